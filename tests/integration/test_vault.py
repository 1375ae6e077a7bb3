"""The personal-data vault on each storage (SQLite file, PostgreSQL schema): pseudonyms,
encryption per applicant, erasure, the access log, and two processes agreeing."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from services.intake.bootstrap import open_vault
from services.intake.adapters.vault import Applicant


def test_the_vault_keeps_erases_and_logs_on_each_storage(store_settings):
    vault, other_process = open_vault(store_settings), open_vault(store_settings)
    try:
        person = Applicant(last_name="Петрова", email="Petrova@Example.ru", address="ул. Мира, 5")
        with ThreadPoolExecutor(8) as pool:  # both "processes" race on a new person
            ids = set(pool.map(lambda i: (vault, other_process)[i % 2].pseudonym(person),
                               range(16)))
        assert len(ids) == 1
        applicant_id = ids.pop()
        assert other_process.pseudonym(Applicant(email="petrova@example.ru")) == applicant_id

        first, second = uuid.uuid4(), uuid.uuid4()
        vault.store(applicant_id, first, person)
        other_process.store(applicant_id, second, person)  # the same key, from the other
        assert other_process.read(first, "u-coord", "ответ заявителю") == person
        assert vault.read(second, "u-exec", "звонок заявителю") == person
        assert vault.applicant_of(second) == applicant_id
        neighbour = vault.pseudonym(Applicant(phone="+7 903 111-22-33"))

        assert other_process.erase(applicant_id, "u-dpo", "отзыв согласия") == 2
        assert vault.read(first, "u-coord", "проверка") is None
        assert vault.pseudonym(person) != applicant_id  # no link to the erased past
        assert [(e["who"], e["action"]) for e in vault.access_log(10)] == [
            ("u-coord", "read"), ("u-dpo", "erase"), ("u-exec", "read"), ("u-coord", "read")]
    finally:
        vault.close()
        other_process.close()
    reopened = open_vault(store_settings)  # the generated pseudonym secret is kept
    try:
        assert reopened.pseudonym(Applicant(phone="8 (903) 111 22 33")) == neighbour
    finally:
        reopened.close()


def test_a_batch_keeps_its_applicants_at_once_or_not_at_all(store_settings):
    vault, other_process = open_vault(store_settings), open_vault(store_settings)
    try:
        first, second, lost = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        person = Applicant(last_name="Орлова", phone="+7 (912) 000-11-22")
        same = Applicant(last_name="Орлова", phone="89120001122", address="ул. Садовая, 3")
        kept = vault.keep({first: person, second: same})
        assert kept[first] == kept[second] == other_process.pseudonym(Applicant(
            phone="8 912 000 11 22"))
        assert other_process.read(second, "u-coord", "ответ заявителю") == same
        stranger = Applicant(email="stranger@example.ru")
        before = _counts(other_process)
        with pytest.raises(TypeError):  # a record of the batch fails: none is kept
            vault.keep({lost: stranger, uuid.uuid4(): Applicant(address=object())})
        assert _counts(other_process) == before  # nor the identity and key written before
        assert other_process.applicant_of(lost) is None
        assert vault.read(lost, "u-coord", "проверка") is None
    finally:
        vault.close()
        other_process.close()


def _key(vault, applicant_id) -> list:
    storage = vault._db  # noqa: SLF001
    return storage.execute("SELECT key FROM applicant_keys WHERE applicant_id = ?",
                           (str(applicant_id),))


def _counts(vault) -> tuple:
    return tuple(vault._db.execute(f"SELECT count(*) FROM {table}")[0][0]  # noqa: SLF001
                 for table in ("identities", "applicant_keys", "records"))


def test_an_erasure_while_a_batch_is_sealed_is_not_undone(store_settings):
    """A batch seals its records before its transaction, with the pseudonym and key the
    vault held then. An erasure in between wins: the old key and the identity's link to the
    old pseudonym are not written back, and the new record is readable under a new one."""
    vault, other_process = open_vault(store_settings), open_vault(store_settings)
    try:
        person = Applicant(last_name="Ушакова", email="ushakova@example.ru")
        old = vault.keep({uuid.uuid4(): person}).popitem()[1]
        read_keys, erasing = vault._known_keys, [old]  # noqa: SLF001

        def keys_read_then_erased(people):
            found = read_keys(people)
            other_process.erase(erasing.pop(), "u-dpo", "отзыв согласия")
            return found

        vault._known_keys = keys_read_then_erased  # noqa: SLF001
        appeal = uuid.uuid4()
        new = vault.keep({appeal: person})[appeal]
        assert new != old
        assert other_process.read(appeal, "u-coord", "ответ заявителю") == person
        assert other_process.applicant_of(appeal) == new == other_process.pseudonym(person)
        assert _key(vault, old) == []

        erased = _key(vault, new)  # a record stored under a known pseudonym, erased meanwhile
        erasing.append(new)
        later = uuid.uuid4()
        vault.store(new, later, person)
        assert _key(vault, new) not in ([], erased)  # a new key, not the erased one back
        assert vault.read(later, "u-coord", "ответ заявителю") == person
    finally:
        vault.close()
        other_process.close()


def test_applicant_keys_are_stored_wrapped_by_the_key_encryption_key(store_settings):
    import base64

    from kit.settings import ConfigError

    kek = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
    settings = store_settings.model_copy(update={"vault_kek": kek, "vault_secret": "x" * 20})
    vault = open_vault(settings)
    try:
        appeal = uuid.uuid4()
        applicant = vault.pseudonym(Applicant(email="kek@example.ru"))
        vault.store(applicant, appeal, Applicant(email="kek@example.ru", last_name="Ключева"))
        stored = [bytes(k) for (k,) in vault._db.execute("SELECT key FROM applicant_keys")]
        assert stored and all(len(k) == 40 for k in stored)  # RFC 3394 wrapped, never in clear
    finally:
        vault.close()
    other_kek = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
    with pytest.raises(ConfigError, match="MCU_VAULT_KEK не тот"):
        open_vault(settings.model_copy(update={"vault_kek": other_kek}))
    with pytest.raises(ConfigError, match="MCU_VAULT_SECRET не тот.*псевдонимы"):
        open_vault(settings.model_copy(update={"vault_secret": "y" * 20}))
    reopened = open_vault(settings)
    try:
        assert reopened.read(appeal, "u-coord", "ответ").last_name == "Ключева"
    finally:
        reopened.close()


def test_keys_kept_in_clear_before_wrapping_are_wrapped_at_start(store_settings):
    vault = open_vault(store_settings)
    appeal = uuid.uuid4()
    try:
        applicant = vault.pseudonym(Applicant(phone="+7 900 000-00-01"))
        vault.store(applicant, appeal, Applicant(phone="+7 900 000-00-01", first_name="Анна"))
        [(wrapped,)] = vault._db.execute("SELECT key FROM applicant_keys")
        plain = vault._unwrap(wrapped)
        vault._db.execute("UPDATE applicant_keys SET key = ?", (plain,))  # as an old vault had
    finally:
        vault.close()
    reopened = open_vault(store_settings)
    try:
        [(key,)] = reopened._db.execute("SELECT key FROM applicant_keys")
        assert len(bytes(key)) == 40
        assert reopened.read(appeal, "u-coord", "проверка").first_name == "Анна"
    finally:
        reopened.close()
