import hmac

import pyarrow as pa
import pytest

from uptake.telemetry.pseudonyms import (
    build_directory_map,
    canonical_person_key,
    pseudonymize,
    pseudonymize_people,
    pseudonymize_person,
)


def test_the_pseudonym_is_the_first_32_hex_characters_of_hmac_sha256():
    # RFC 4231, test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?")
    assert pseudonymize(b"Jefe", "what do ya want for nothing?") == "5bdcc146bf60754e6a042426089575c7"


def test_a_batch_gives_the_same_pseudonyms_as_one_by_one_for_short_and_long_keys():
    # RFC 4231, test case 6: a key longer than SHA-256's block is hashed first.
    long_key = b"\xaa" * 131
    message = "Test Using Larger Than Block-Size Key - Hash Key First"
    assert pseudonymize(long_key, message) == "60e431591ee0b67f0d8a26aacbf5b77f"

    people = pa.array(["alice@example.com", "bob@example.com", "alice@example.com", "E1"])
    for key in (b"", b"k", b"k" * 64, b"k" * 65, long_key):
        expected = [
            hmac.new(key, person.lower().encode(), "sha256").hexdigest()[:32] for person in people.to_pylist()
        ]
        assert pseudonymize_people(key, people).to_pylist() == expected


def test_the_canonical_person_key_is_stripped_and_lower_cased():
    assert canonical_person_key("  Alice@Example.COM \n") == "alice@example.com"


def test_the_directory_maps_email_and_external_id_to_the_external_id():
    directory_map = build_directory_map([("E1234", "Alice@Example.com"), ("e99", None)])

    assert directory_map == {"e1234": "E1234", "alice@example.com": "E1234", "e99": "e99"}
    assert canonical_person_key(" ALICE@example.com", directory_map) == "e1234"
    assert canonical_person_key("e1234", directory_map) == "e1234"
    assert canonical_person_key("carol@example.com", directory_map) == "carol@example.com"


def test_both_spellings_of_a_person_give_one_pseudonym_and_others_differ():
    directory_map = build_directory_map([("E1234", "alice@example.com")])
    key = b"workspace-key"

    pseudonyms = pseudonymize_people(
        key, pa.array(["Alice@Example.com", "E1234", "bob@example.com"]), directory_map
    ).to_pylist()

    assert pseudonyms[0] == pseudonyms[1] == pseudonymize(key, "e1234")
    assert pseudonyms[2] == pseudonymize_person(key, "BOB@example.com")
    assert pseudonyms[2] != pseudonyms[0]
    assert all(len(pseudonym) == 32 and pseudonym == pseudonym.lower() for pseudonym in pseudonyms)


def test_another_key_gives_unlinkable_pseudonyms():
    assert pseudonymize(b"old key", "e1234") != pseudonymize(b"new key", "e1234")


@pytest.mark.parametrize("column", [pa.chunked_array([["a", "b"], ["a"]]), pa.array([], pa.string())])
def test_chunked_and_empty_columns(column):
    expected = [pseudonymize(b"k", person) for person in column.to_pylist()]

    assert pseudonymize_people(b"k", column).to_pylist() == expected


def test_a_cache_carries_pseudonyms_from_batch_to_batch():
    directory = build_directory_map([("E1", "alice@example.com")])
    first = pa.array(["alice@example.com", "E1", "bob@example.com"])
    cache: dict[str, str] = {}
    uncached = pseudonymize_people(b"key", first, directory).to_pylist()
    assert pseudonymize_people(b"key", first, directory, cache).to_pylist() == uncached
    assert cache == dict(zip(first.to_pylist(), uncached, strict=True))
    # A later batch takes what the cache holds without computing it again.
    cache["bob@example.com"] = "taken-from-the-cache"
    second = pseudonymize_people(b"key", pa.array(["bob@example.com", "carol@example.com"]), directory, cache)
    assert second.to_pylist() == ["taken-from-the-cache", pseudonymize(b"key", "carol@example.com")]
