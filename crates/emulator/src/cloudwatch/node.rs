//! A protocol-neutral document: CloudWatch requests are read into a [`Node`]
//! from CBOR, JSON or a query form, and replies are written from one into
//! CBOR, JSON or XML, so that the operations are written once.

use std::collections::BTreeMap;

use ciborium::Value as Cbor;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::query::{Form, Xml};

/// A value of a Smithy document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Epoch seconds (CBOR tag 1, JSON number, XML ISO-8601).
    Time(f64),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// An empty structure.
    pub fn map() -> Self {
        Node::Map(Vec::new())
    }

    /// A member of a structure (absent and null are the same).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !matches!(v, Node::Null)),
            _ => None,
        }
    }

    /// Adds a member to a structure (no-op on other nodes).
    pub fn set(&mut self, key: &str, value: Node) {
        if let Node::Map(entries) = self {
            entries.push((key.to_owned(), value));
        }
    }

    /// Adds a member when there is a value.
    pub fn set_opt(&mut self, key: &str, value: Option<Node>) {
        if let Some(v) = value {
            self.set(key, v);
        }
    }

    pub fn str(s: impl Into<String>) -> Self {
        Node::Str(s.into())
    }

    pub fn strs(items: &[String]) -> Self {
        Node::List(items.iter().cloned().map(Node::Str).collect())
    }

    // ---- decoding ---------------------------------------------------------

    /// Decodes a CBOR body; an empty body is an empty structure.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, String> {
        if bytes.is_empty() {
            return Ok(Node::map());
        }
        let value: Cbor = ciborium::de::from_reader(bytes).map_err(|e| e.to_string())?;
        let node = Self::from_cbor_value(value, 0)?;
        match node {
            Node::Map(_) => Ok(node),
            _ => Err("the body is not a CBOR map".into()),
        }
    }

    fn from_cbor_value(v: Cbor, depth: u32) -> Result<Self, String> {
        if depth > 64 {
            return Err("the document nests too deeply".into());
        }
        Ok(match v {
            Cbor::Null => Node::Null,
            Cbor::Bool(b) => Node::Bool(b),
            Cbor::Integer(i) => Node::Int(i64::try_from(i).map_err(|_| "integer out of range")?),
            Cbor::Float(f) => Node::Float(f),
            Cbor::Text(s) => Node::Str(s),
            Cbor::Tag(1, inner) => match *inner {
                Cbor::Integer(i) => {
                    let secs = i64::try_from(i).map_err(|_| "timestamp out of range")?;
                    #[allow(clippy::cast_precision_loss)]
                    Node::Time(secs as f64)
                }
                Cbor::Float(f) => Node::Time(f),
                _ => return Err("a timestamp (tag 1) must hold a number".into()),
            },
            Cbor::Array(items) => Node::List(
                items
                    .into_iter()
                    .map(|i| Self::from_cbor_value(i, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
            Cbor::Map(entries) => Node::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| match k {
                        Cbor::Text(k) => Ok((k, Self::from_cbor_value(v, depth + 1)?)),
                        _ => Err("map keys must be text".to_owned()),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Cbor::Bytes(_) => return Err("no CloudWatch member served here is a blob".into()),
            Cbor::Tag(t, _) => return Err(format!("unexpected CBOR tag {t}")),
            _ => return Err("unexpected CBOR value".into()),
        })
    }

    /// Decodes a JSON body; an empty body is an empty structure.
    pub fn from_json(bytes: &[u8]) -> Result<Self, String> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Node::map());
        }
        let v: Json = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        match v {
            Json::Object(_) => Ok(Self::from_json_value(v)),
            _ => Err("the body is not a JSON object".into()),
        }
    }

    fn from_json_value(v: Json) -> Self {
        match v {
            Json::Null => Node::Null,
            Json::Bool(b) => Node::Bool(b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Node::Int(i),
                None => Node::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => Node::Str(s),
            Json::Array(a) => Node::List(a.into_iter().map(Self::from_json_value).collect()),
            Json::Object(m) => Node::Map(
                m.into_iter()
                    .map(|(k, v)| (k, Self::from_json_value(v)))
                    .collect(),
            ),
        }
    }

    /// Builds a document from a query form: `A.member.N` is a list,
    /// `A.B` a structure, every leaf a string (`Action` and `Version` left
    /// out). An empty value of a would-be list (`Names=`) reads as an empty
    /// string, which the typed accessors read as an empty list.
    pub fn from_form(form: &Form) -> Self {
        #[derive(Default)]
        struct Tree {
            value: Option<String>,
            children: BTreeMap<String, Tree>,
        }
        fn convert(t: Tree) -> Node {
            if t.children.is_empty() {
                return Node::Str(t.value.unwrap_or_default());
            }
            let is_list = t.children.len() == 1 && t.children.contains_key("member");
            if is_list {
                let members = t.children.into_values().next().unwrap_or_default();
                let mut items: Vec<(u64, Node)> = members
                    .children
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, convert(v))))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                return Node::List(items.into_iter().map(|(_, v)| v).collect());
            }
            Node::Map(
                t.children
                    .into_iter()
                    .map(|(k, v)| (k, convert(v)))
                    .collect(),
            )
        }
        let mut root = Tree::default();
        for (k, v) in form.pairs() {
            if k == "Action" || k == "Version" {
                continue;
            }
            let mut node = &mut root;
            for part in k.split('.') {
                node = node.children.entry(part.to_owned()).or_default();
            }
            node.value = Some(v.clone());
        }
        match convert(root) {
            Node::Str(_) => Node::map(),
            n => n,
        }
    }

    // ---- encoding ---------------------------------------------------------

    /// The CBOR encoding: timestamps as tag 1 around a float.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = ciborium::ser::into_writer(&self.to_cbor_value(), &mut out);
        out
    }

    fn to_cbor_value(&self) -> Cbor {
        match self {
            Node::Null => Cbor::Null,
            Node::Bool(b) => Cbor::Bool(*b),
            Node::Int(i) => Cbor::Integer((*i).into()),
            Node::Float(f) => Cbor::Float(*f),
            Node::Str(s) => Cbor::Text(s.clone()),
            Node::Time(t) => Cbor::Tag(1, Box::new(Cbor::Float(*t))),
            Node::List(items) => Cbor::Array(items.iter().map(Node::to_cbor_value).collect()),
            Node::Map(entries) => Cbor::Map(
                entries
                    .iter()
                    .map(|(k, v)| (Cbor::Text(k.clone()), v.to_cbor_value()))
                    .collect(),
            ),
        }
    }

    /// The JSON encoding: timestamps as epoch seconds.
    pub fn to_json(&self) -> Json {
        match self {
            Node::Null => Json::Null,
            Node::Bool(b) => Json::Bool(*b),
            Node::Int(i) => Json::from(*i),
            Node::Float(f) | Node::Time(f) => Json::from(*f),
            Node::Str(s) => Json::String(s.clone()),
            Node::List(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Node::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// The members of a structure as query XML: lists as `<member>`s,
    /// timestamps as ISO-8601.
    pub fn write_xml(&self, x: &mut Xml) {
        if let Node::Map(entries) = self {
            for (k, v) in entries {
                match v {
                    Node::Null => {}
                    Node::Map(_) => {
                        x.open(k);
                        v.write_xml(x);
                        x.close(k);
                    }
                    Node::List(items) => {
                        x.open(k);
                        for item in items {
                            match item {
                                Node::Map(_) => {
                                    x.open("member");
                                    item.write_xml(x);
                                    x.close("member");
                                }
                                scalar => {
                                    x.text("member", &scalar.xml_text());
                                }
                            }
                        }
                        x.close(k);
                    }
                    scalar => {
                        x.text(k, &scalar.xml_text());
                    }
                }
            }
        }
    }

    fn xml_text(&self) -> String {
        match self {
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::Float(f) => format!("{f:?}"),
            Node::Str(s) => s.clone(),
            Node::Time(t) => iso_millis(*t),
            Node::Null | Node::List(_) | Node::Map(_) => String::new(),
        }
    }
}

/// `2024-01-02T03:04:05.678Z`.
pub fn iso_millis(epoch_secs: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let ms = (epoch_secs * 1000.0).round() as i64;
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_forms_become_documents() {
        let form = Form::parse(
            b"Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a&Dimensions.member.2.Name=n2\
              &Dimensions.member.1.Name=n1&Dimensions.member.1.Value=v1&Dimensions.member.2.Value=v2\
              &AlarmActions.member.1=arn%3Ax&Threshold=5.0",
        )
        .unwrap();
        let n = Node::from_form(&form);
        assert_eq!(n.get("AlarmName"), Some(&Node::str("a")));
        let Some(Node::List(dims)) = n.get("Dimensions") else {
            panic!("dimensions are a list: {n:?}")
        };
        assert_eq!(dims[0].get("Name"), Some(&Node::str("n1")));
        assert_eq!(dims[1].get("Value"), Some(&Node::str("v2")));
        assert_eq!(
            n.get("AlarmActions"),
            Some(&Node::List(vec![Node::str("arn:x")]))
        );
        assert!(n.get("Action").is_none());
    }

    #[test]
    fn cbor_round_trips_with_tagged_timestamps() {
        let mut n = Node::map();
        n.set("T", Node::Time(1_700_000_000.5));
        n.set("L", Node::List(vec![Node::Int(-3), Node::Float(0.9)]));
        let bytes = n.to_cbor();
        assert!(bytes.windows(1).any(|w| w[0] == 0xc1), "tag 1 present");
        assert_eq!(Node::from_cbor(&bytes).unwrap(), n);
        assert!(Node::from_cbor(b"\xff\x00").is_err());
        assert!(Node::from_cbor(&Node::Int(1).to_cbor()).is_err());
    }

    #[test]
    fn xml_writes_members_and_dates() {
        let mut n = Node::map();
        n.set("Names", Node::strs(&["a".into(), "b<".into()]));
        n.set("When", Node::Time(0.25));
        let mut x = Xml::new();
        n.write_xml(&mut x);
        assert_eq!(
            x.finish(),
            "<Names><member>a</member><member>b&lt;</member></Names><When>1970-01-01T00:00:00.250Z</When>"
        );
    }
}
