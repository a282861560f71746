//! Addresses: the stable name of a resource inside a stack (`segment.high_value`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::kind::Kind;

/// A resource's address: its kind and its key in the spec. Singletons have an
/// empty key and display as the bare kind (`app`); others as `kind.key`
/// (`segment.high_value`, `channel.apns`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub key: String,
}

impl Address {
    pub fn new(kind: Kind, key: impl Into<String>) -> Self {
        Self {
            kind,
            key: key.into(),
        }
    }

    pub fn singleton(kind: Kind) -> Self {
        Self {
            kind,
            key: String::new(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.key)
        }
    }
}

/// An address string that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a resource address (expected `kind.key`, e.g. `segment.high_value`)")]
pub struct AddressError(pub(crate) String);

impl FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('.') {
            Some((kind, key)) if !key.is_empty() => Ok(Address::new(kind.parse()?, key)),
            Some(_) => Err(AddressError(s.to_owned())),
            None => Ok(Address::singleton(s.parse()?)),
        }
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Address {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_strings() {
        for text in [
            "app",
            "segment.high_value",
            "channel.apns",
            "endpoint.ios-user-001",
        ] {
            let addr: Address = text.parse().unwrap();
            assert_eq!(addr.to_string(), text);
        }
        assert!("nonsense.x".parse::<Address>().is_err());
        assert!("segment.".parse::<Address>().is_err());
    }
}
