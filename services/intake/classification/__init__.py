"""Classification of appeals: administrator's rubricator rules first, a learned model after."""
