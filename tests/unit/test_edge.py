"""The edge's dense logic: GRIP settings and signatures, where a proxy's readers are, what a batch purges,
publish bodies, and cache validators."""

from __future__ import annotations

import base64
import time

import orjson
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from newsroom.errors import ValidationError
from projections.documents import TimelineItem
from web.edge import grip
from web.edge.cache_policy import CachePolicy
from web.edge.caching import matches
from web.edge.hold import last_id
from web.edge.publish import MAX_REQUEST_BYTES, request_bodies
from web.edge.purge import NginxPurger, PurgeOnChange, purgers_for, urls_of


def test_a_grip_url_names_each_proxy_with_its_keys() -> None:
    first, second = grip.parse(
        "http://pushpin-a:5561?verify-key=s3cret, https://api.example.net/service/abc"
        "?verify-iss=fastly:abc&verify-key=base64:c2VjcmV0&key=token&iss=me"
    )
    assert (first.control_url, first.verify_key, first.key) == ("http://pushpin-a:5561", b"s3cret", b"")
    assert second.control_url == "https://api.example.net/service/abc"
    assert (second.verify_key, second.verify_issuer, second.key, second.issuer) == (
        b"secret",
        "fastly:abc",
        b"token",
        "me",
    )


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("pushpin:5561", "control URI"),
        ("http://pushpin:5561", "needs verify-key"),
        ("http://pushpin:5561?verify-key=x&secret=y", "not secret"),
        ("http://pushpin:5561?verify-key=base64:***", "not base64"),
        ("http://pushpin:5561?verify-key=-----BEGIN PUBLIC KEY-----x", "not a PEM"),
    ],
)
def test_a_malformed_grip_url_is_refused_naming_the_setting(value: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        grip.parse(value)
    assert refused.value.details["field"] == "NEWSROOM_GRIP_URL"
    assert says in refused.value.message


def test_a_grip_sig_verifies_only_with_the_key_unexpired_and_from_the_issuer() -> None:
    proxy = grip.GripProxy("http://p:5561", verify_key=b"k", verify_issuer="pushpin")
    now = time.time()
    good = grip.hs256_token({"iss": "pushpin", "exp": int(now) + 60}, b"k")
    assert proxy.signed(good)
    assert not proxy.signed(grip.hs256_token({"iss": "pushpin", "exp": int(now) + 60}, b"other"))
    assert not proxy.signed(grip.hs256_token({"iss": "pushpin", "exp": int(now) - 1}, b"k"))
    assert not proxy.signed(grip.hs256_token({"iss": "someone", "exp": int(now) + 60}, b"k"))
    assert not proxy.signed(grip.hs256_token({"iss": "pushpin"}, b"k"))  # no expiry
    assert not proxy.signed("not.a.token")
    assert not proxy.signed(good[:-2] + "AA")
    assert not grip.from_proxy(None, [proxy])
    assert grip.from_proxy(good, [grip.GripProxy("http://q", verify_key=b"x"), proxy])


def test_an_es256_grip_sig_verifies_against_the_public_key() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    proxy = grip.GripProxy("https://fanout", verify_key=pem)

    def token(claims: dict[str, object], key: ec.EllipticCurvePrivateKey) -> str:
        def b64(data: bytes) -> str:
            return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

        signing = f"{b64(orjson.dumps({'alg': 'ES256', 'typ': 'JWT'}))}.{b64(orjson.dumps(claims))}"
        r, s = decode_dss_signature(key.sign(signing.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    claims = {"iss": "fastly:abc", "exp": int(time.time()) + 60}
    assert proxy.signed(token(claims, private))
    assert not proxy.signed(token(claims, ec.generate_private_key(ec.SECP256R1())))
    assert not proxy.signed(grip.hs256_token(claims, pem))  # a public key is no shared secret


def test_grip_last_says_where_the_readers_of_a_channel_are() -> None:
    assert last_id(["story:flood; last-id=42"], "story:flood") == 42
    assert last_id(["site; last-id=7", "story:flood; last-id=9"], "story:flood") == 9
    assert last_id(["site; last-id=7, story:flood; last-id=9"], "site") == 7
    assert last_id(['story:flood; last-id="12"'], "story:flood") == 12
    assert last_id(["story:flood; last-id=12"], "story:flooding") is None
    assert last_id(["story:flood; last-id=x"], "story:flood") is None
    assert last_id([], "site") is None


class Labels:
    def __init__(self, labels: dict[str, tuple[list[str], list[str]]]) -> None:
        self.now = labels

    def labels(self, slugs: object) -> dict[str, tuple[list[str], list[str]]]:
        return dict(self.now)


def item(slug: str, kind: str = "update-appended", **data: object) -> TimelineItem:
    return TimelineItem(1, slug, kind, orjson.dumps(data))


def test_a_batch_purges_its_stories_their_topics_and_authors_and_the_lists_they_left() -> None:
    labels = Labels({"flood": (["weather"], ["ines"])})
    purge = PurgeOnChange([], labels)
    assert purge.keys_of([item("flood")]) == {"site", "story:flood", "tag:weather", "author:ines"}
    labels.now = {"flood": (["rivers"], ["omar"])}  # retagged, and a new author
    keys = purge.keys_of([item("flood", "tag-removed", tag="weather")])
    assert keys == {"site", "story:flood", "tag:weather", "tag:rivers", "author:ines", "author:omar"}


def test_a_batch_still_purges_its_stories_when_their_labels_cannot_be_read() -> None:
    class Down:
        def labels(self, slugs: object) -> dict[str, tuple[list[str], list[str]]]:
            raise OSError("store down")

    assert PurgeOnChange([], Down()).keys_of([item("a"), item("b")]) == {"site", "story:a", "story:b"}


def test_each_key_names_the_canonical_urls_that_carry_it() -> None:
    assert list(urls_of("story:flood")) == [
        "/articles/flood",
        "/articles/flood/feed.atom",
        "/articles/flood/feed.json",
        "/api/articles/flood",
    ]
    assert list(urls_of("tag:weather")) == [
        "/tags/weather",
        "/tags/weather/feed.atom",
        "/tags/weather/feed.json",
    ]
    assert "/" in list(urls_of("site"))


def test_purge_urls_are_checked_when_read() -> None:
    (purger,) = purgers_for(["nginx+http://cache:8081"])
    assert isinstance(purger, NginxPurger)
    for bad in ("http://cache:8081", "varnish+http://cache", "nginx+ftp://cache"):
        with pytest.raises(ValidationError):
            purgers_for([bad])


def test_publish_bodies_stay_under_what_a_proxy_takes_and_keep_the_order() -> None:
    items = [
        {"channel": "site", "id": str(n), "formats": {"http-stream": {"content": "x" * 50_000}}}
        for n in range(60)
    ]
    bodies = request_bodies(items)
    assert len(bodies) > 1
    assert all(len(body) <= MAX_REQUEST_BYTES + 10 for body in bodies)
    ids = [entry["id"] for body in bodies for entry in orjson.loads(body)["items"]]
    assert ids == [str(n) for n in range(60)]


def test_validators_compare_weakly_and_lists_match() -> None:
    assert matches('W/"12"', 'W/"12"')
    assert matches('"12"', 'W/"12"')
    assert matches('W/"3", W/"12"', 'W/"12"')
    assert matches("*", 'W/"12"')
    assert not matches('W/"13"', 'W/"12"')


def test_only_what_is_purged_is_kept_long() -> None:
    assert CachePolicy().cache_control(has_query=False) == "public, max-age=0, s-maxage=1"
    purged = CachePolicy(purging=True)
    assert "s-maxage=300" in purged.cache_control(has_query=False)
    assert purged.cache_control(has_query=True) == "public, max-age=0, s-maxage=1"
    assert "s-maxage=300" in CachePolicy(purging=True, purges_every_variant=True).cache_control(
        has_query=True
    )
