//! Ownership tags and what the provider keeps in the app's tags.
//!
//! Every taggable resource a stack creates carries `reconcile:stack=<stack>`
//! and `reconcile:key=<kind>/<spec key>` (`reconcile:key=app` for the app):
//! [`ownership_tags`] builds them, [`owner`] reads them back.
//!
//! The app's tags also hold, so that every machine that can read the app
//! plans the same:
//! - `reconcile:fp:<address>`: the write-only fingerprint of a channel or of
//!   the app settings, written when the credentials were sent
//!   ([`fingerprint_tag`], [`fingerprints`]);
//! - `reconcile:own:<kind>:<n>`: an index of what the stack owns where no
//!   list call finds it by tag: endpoint ids (endpoints cannot be listed at
//!   all), and the names of IAM roles, Kinesis streams, push templates and
//!   alarms (their list calls do not return tags, so finding them by tag
//!   would cost one call per resource in the account). Entries are
//!   space-separated in one tag while they fit, deflated and in base64
//!   across several tags beyond ([`index_tags`], [`parse_index`]). The
//!   index only says where to look: ownership is always checked on the
//!   resource's own tags. Entries are added before a create and removed
//!   after a delete, so a crash leaves at worst an entry for nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use reconcile_model::resource::{TAG_FINGERPRINT_PREFIX, TAG_KEY, TAG_STACK};
use reconcile_model::{Address, Kind};

/// Prefix of the app tags that index what the stack owns.
pub const INDEX_PREFIX: &str = "reconcile:own:";
/// Prefix of every tag `reconcile` manages; user tags never start with it.
pub const RESERVED_PREFIX: &str = "reconcile:";
/// Longest tag value Pinpoint (and IAM, Kinesis, CloudWatch) accept.
pub const MAX_TAG_VALUE: usize = 256;
/// Most tags one Pinpoint resource may carry.
pub const MAX_TAGS: usize = 50;

/// The kinds whose owned members are indexed in the app's tags.
pub const INDEXED_KINDS: [Kind; 5] = [
    Kind::IamRole,
    Kind::KinesisStream,
    Kind::Endpoint,
    Kind::Template,
    Kind::Alarm,
];

/// The value of the `reconcile:key` tag of `address` (`segment/vip`, `app`).
pub fn key_tag_value(address: &Address) -> String {
    if address.key.is_empty() {
        address.kind.as_str().to_owned()
    } else {
        format!("{}/{}", address.kind, address.key)
    }
}

/// The address a `reconcile:key` tag names.
pub fn parse_key_tag(value: &str) -> Option<Address> {
    match value.split_once('/') {
        Some((kind, key)) if !key.is_empty() => Some(Address::new(kind.parse().ok()?, key)),
        Some(_) => None,
        None => {
            let kind: Kind = value.parse().ok()?;
            kind.is_singleton().then(|| Address::singleton(kind))
        }
    }
}

/// The two ownership tags of `address` in `stack`.
pub fn ownership_tags(stack: &str, address: &Address) -> BTreeMap<String, String> {
    BTreeMap::from([
        (TAG_STACK.to_owned(), stack.to_owned()),
        (TAG_KEY.to_owned(), key_tag_value(address)),
    ])
}

/// Who owns a live resource, by its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This stack, at this address.
    Stack(Address),
    /// Another stack (by name).
    OtherStack(String),
    /// No stack (or a `reconcile:key` this version cannot read).
    Unowned,
}

/// Reads the ownership tags.
pub fn owner<'a>(tags: impl IntoIterator<Item = (&'a String, &'a String)>, stack: &str) -> Owner {
    let mut tag_stack = None;
    let mut tag_key = None;
    for (k, v) in tags {
        if k == TAG_STACK {
            tag_stack = Some(v.as_str());
        } else if k == TAG_KEY {
            tag_key = Some(v.as_str());
        }
    }
    match tag_stack {
        Some(s) if s == stack => tag_key
            .and_then(parse_key_tag)
            .map_or(Owner::Unowned, Owner::Stack),
        Some(s) => Owner::OtherStack(s.to_owned()),
        None => Owner::Unowned,
    }
}

/// The user's tags: everything but the `reconcile:` ones.
pub fn user_tags<'a>(
    tags: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> BTreeMap<String, String> {
    tags.into_iter()
        .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A tag map from the SDKs' `HashMap`.
pub fn from_hash(tags: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    tags.map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// What to send to go from tags `before` to tags `after`: the keys to set
/// (new or changed) and the keys to remove.
pub fn tag_changes(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let set = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    (set, remove)
}

/// The app tag holding `address`'s write-only fingerprint.
pub fn fingerprint_tag(address: &Address) -> String {
    format!("{TAG_FINGERPRINT_PREFIX}{address}")
}

/// The fingerprints kept in the app's tags, by address.
pub fn fingerprints(tags: &BTreeMap<String, String>) -> BTreeMap<Address, String> {
    tags.iter()
        .filter_map(|(k, v)| {
            let addr = k.strip_prefix(TAG_FINGERPRINT_PREFIX)?.parse().ok()?;
            Some((addr, v.clone()))
        })
        .collect()
}

/// Characters an index entry may hold as is (tag values allow letters,
/// digits, spaces and `_ . : / = + - @`; space separates entries and `=`
/// marks an encoded one).
fn plain_entry(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:/+-@".contains(&b))
}

/// One index entry as tag-value text: as is when every character is
/// allowed in a tag, else `=` and the UTF-8 bytes in hex.
pub fn encode_entry(s: &str) -> String {
    if plain_entry(s) {
        s.to_owned()
    } else {
        let mut out = String::with_capacity(1 + 2 * s.len());
        out.push('=');
        for b in s.bytes() {
            out.push_str(&hex::encode([b]));
        }
        out
    }
}

/// The inverse of [`encode_entry`]; `None` for text it never produces.
pub fn decode_entry(s: &str) -> Option<String> {
    let Some(hex) = s.strip_prefix('=') else {
        return plain_entry(s).then(|| s.to_owned());
    };
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Most bytes an index may inflate to (a guard against a hostile tag).
const MAX_INDEX_BYTES: u64 = 1 << 20;

/// The index tags for the entries of `kind`: `reconcile:own:<kind>:0`
/// holding the space-separated entries when they fit in one tag value;
/// otherwise `reconcile:own:<kind>:z<n>`, the entries deflated and in
/// base64 (whose alphabet tags allow), cut into values of at most 256
/// characters, which holds several times more entries in the 50 tags an
/// app may carry.
pub fn index_tags(kind: Kind, entries: &BTreeSet<String>) -> BTreeMap<String, String> {
    use base64::Engine as _;
    use std::io::Write as _;

    let plain = entries
        .iter()
        .map(|e| encode_entry(e))
        .collect::<Vec<_>>()
        .join(" ");
    if plain.is_empty() {
        return BTreeMap::new();
    }
    if plain.len() <= MAX_TAG_VALUE {
        return BTreeMap::from([(format!("{INDEX_PREFIX}{kind}:0"), plain)]);
    }
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(plain.as_bytes());
    let bytes = z.finish().unwrap_or_default();
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    text.as_bytes()
        .chunks(MAX_TAG_VALUE)
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{INDEX_PREFIX}{kind}:z{i}"),
                String::from_utf8_lossy(c).into_owned(),
            )
        })
        .collect()
}

/// The chunk number of an index tag of `kind`, and whether it is a
/// compressed chunk.
fn index_chunk(tag: &str, kind: Kind) -> Option<(bool, u32)> {
    let (k, n) = tag.strip_prefix(INDEX_PREFIX)?.rsplit_once(':')?;
    if k != kind.as_str() {
        return None;
    }
    let (z, digits) = match n.strip_prefix('z') {
        Some(d) => (true, d),
        None => (false, n),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((z, digits.parse().ok()?))
}

/// Whether `tag` is one of `kind`'s index tags.
pub fn is_index_tag(tag: &str, kind: Kind) -> bool {
    index_chunk(tag, kind).is_some()
}

/// The compressed index chunks, joined and inflated.
fn inflate(chunks: &BTreeMap<u32, &String>) -> Option<String> {
    use base64::Engine as _;
    use std::io::Read as _;

    let text: String = chunks.values().map(|s| s.as_str()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(bytes.as_slice())
        .take(MAX_INDEX_BYTES)
        .read_to_string(&mut out)
        .ok()?;
    Some(out)
}

/// The index kept in the app's tags, by kind. A compressed index that does
/// not decode is ignored (with a warning): the index only says where to
/// look.
pub fn parse_index(tags: &BTreeMap<String, String>) -> BTreeMap<Kind, BTreeSet<String>> {
    let mut out: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
    for kind in INDEXED_KINDS {
        let mut compressed: BTreeMap<u32, &String> = BTreeMap::new();
        for (k, v) in tags {
            match index_chunk(k, kind) {
                Some((false, _)) => out
                    .entry(kind)
                    .or_default()
                    .extend(v.split(' ').filter_map(decode_entry)),
                Some((true, n)) => {
                    compressed.insert(n, v);
                }
                None => {}
            }
        }
        if compressed.is_empty() {
            continue;
        }
        match inflate(&compressed) {
            Some(text) => out
                .entry(kind)
                .or_default()
                .extend(text.split(' ').filter_map(decode_entry)),
            None => {
                tracing::warn!(%kind, "the app's index of owned resources does not decode; ignored");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tags_round_trip() {
        for text in [
            "app",
            "segment/vip",
            "channel/apns",
            "endpoint/ios-user-001",
        ] {
            let addr = parse_key_tag(text).unwrap();
            assert_eq!(key_tag_value(&addr), text);
        }
        assert_eq!(parse_key_tag("segment"), None);
        assert_eq!(parse_key_tag("nonsense/x"), None);
    }

    #[test]
    fn owner_reads_the_stack_and_key_tags() {
        let tags = ownership_tags("demo", &Address::new(Kind::Segment, "vip"));
        assert_eq!(
            owner(&tags, "demo"),
            Owner::Stack(Address::new(Kind::Segment, "vip"))
        );
        assert_eq!(owner(&tags, "other"), Owner::OtherStack("demo".into()));
        assert_eq!(owner(&BTreeMap::new(), "demo"), Owner::Unowned);
    }

    #[test]
    fn entries_with_characters_tags_refuse_are_encoded() {
        for s in ["plain-id_1", "with,comma", "ünï", "=starts", "a b"] {
            let e = encode_entry(s);
            assert!(
                e.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.:/+-@=".contains(&b)),
                "{e}"
            );
            assert_eq!(decode_entry(&e).as_deref(), Some(s));
        }
        assert_eq!(encode_entry("plain-id_1"), "plain-id_1");
    }

    #[test]
    fn index_chunks_fit_tag_values_and_round_trip() {
        let entries: BTreeSet<String> = (0..1000).map(|i| format!("endpoint-{i:04}")).collect();
        let tags = index_tags(Kind::Endpoint, &entries);
        // 1,000 ids: 13,000 characters plain (51 tags, more than an app
        // may carry), 11 tags compressed.
        assert!(tags.len() > 1 && tags.len() <= 12, "{}", tags.len());
        assert!(tags.values().all(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        }));
        assert!(tags.values().all(|v| v.len() <= MAX_TAG_VALUE));
        assert!(tags.keys().all(|k| is_index_tag(k, Kind::Endpoint)));
        let parsed = parse_index(&tags);
        assert_eq!(parsed[&Kind::Endpoint], entries);
        assert!(index_tags(Kind::Endpoint, &BTreeSet::new()).is_empty());
        let few: BTreeSet<String> = ["a".to_owned(), "b,c".to_owned()].into();
        let tags = index_tags(Kind::Alarm, &few);
        assert_eq!(tags.len(), 1);
        assert_eq!(tags.values().next().unwrap(), "a =622c63");
        assert_eq!(parse_index(&tags)[&Kind::Alarm], few);
        assert!(!is_index_tag("reconcile:own:alarm:zz", Kind::Alarm));
    }

    #[test]
    fn tag_changes_name_what_to_set_and_remove() {
        let before = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())]);
        let after = BTreeMap::from([("a".into(), "1".into()), ("c".into(), "3".into())]);
        let (set, remove) = tag_changes(&before, &after);
        assert_eq!(set, BTreeMap::from([("c".into(), "3".into())]));
        assert_eq!(remove, vec!["b".to_owned()]);
    }
}
