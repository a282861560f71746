//! The awsQuery protocol, shared by IAM, STS and CloudWatch's query mode:
//! form-encoded request bodies in, XML documents out.
//!
//! A request is `Action=CreateRole&Version=2010-05-08&RoleName=r&Tags.member.1.Key=k`;
//! lists are `Name.member.N` (1-based), structures in lists are
//! `Name.member.N.Field`. A reply is
//! `<CreateRoleResponse xmlns=…><CreateRoleResult>…</CreateRoleResult>
//! <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></CreateRoleResponse>`,
//! an error `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code>
//! <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::http::StatusCode;

use crate::wire::{Ctx, Reply};

/// A form body that is not `application/x-www-form-urlencoded` UTF-8.
#[derive(Debug, thiserror::Error)]
#[error("the request body is not a valid form-urlencoded document: {reason}")]
pub struct FormError {
    reason: String,
}

/// A decoded form body: the pairs in order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// Decodes `a=1&b=x%20y`; `+` is a space. Fails on bytes that do not
    /// decode to UTF-8.
    pub fn parse(body: &[u8]) -> Result<Self, FormError> {
        let text = std::str::from_utf8(body).map_err(|e| FormError {
            reason: e.to_string(),
        })?;
        let mut pairs = Vec::new();
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            pairs.push((decode(k)?, decode(v)?));
        }
        Ok(Self { pairs })
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `Action` field.
    pub fn action(&self) -> Option<&str> {
        self.get("Action").filter(|a| !a.is_empty())
    }

    /// All pairs, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The members of list `name` (`name.member.N`), in index order.
    pub fn list(&self, name: &str) -> Vec<&str> {
        let prefix = format!("{name}.member.");
        let mut items: Vec<(u32, &str)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| {
                let idx = k.strip_prefix(&prefix)?;
                Some((idx.parse().ok()?, v.as_str()))
            })
            .collect();
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// The members of a list of structures (`name.member.N.Field`), each a map
    /// from field name to value, in index order.
    pub fn struct_list(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        let prefix = format!("{name}.member.");
        let mut items: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix(&prefix) else {
                continue;
            };
            let Some((idx, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(idx) = idx.parse::<u32>() else {
                continue;
            };
            items
                .entry(idx)
                .or_default()
                .insert(field.to_owned(), v.clone());
        }
        items.into_values().collect()
    }
}

fn decode(s: &str) -> Result<String, FormError> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|e| FormError {
            reason: e.to_string(),
        })
}

/// Escapes text for an XML element or attribute.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// A small XML writer for query replies: elements, escaped text.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
}

impl Xml {
    pub fn new() -> Self {
        Self::default()
    }

    /// `<tag>`.
    pub fn open(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.out, "<{tag}>");
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> &mut Self {
        let _ = write!(self.out, "</{tag}>");
        self
    }

    /// `<tag>text</tag>`, text escaped.
    pub fn text(&mut self, tag: &str, text: &str) -> &mut Self {
        let _ = write!(self.out, "<{tag}>{}</{tag}>", escape(text));
        self
    }

    /// `<tag>text</tag>` when there is a value.
    pub fn opt(&mut self, tag: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(tag, t);
        }
        self
    }

    /// Raw, already well-formed XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A successful query reply: `<{op}Response xmlns><{op}Result>{result}</…>`.
/// `result` is `None` for operations without output (no Result element).
pub fn reply(ctx: &Ctx, xmlns: &str, op: &str, result: Option<&str>) -> Reply {
    let mut body = format!(r#"<{op}Response xmlns="{xmlns}">"#);
    if let Some(result) = result {
        let _ = write!(body, "<{op}Result>{result}</{op}Result>");
    }
    let _ = write!(
        body,
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>",
        escape(&ctx.request_id)
    );
    Reply::new(StatusCode::OK, "text/xml", body).with_header("x-amzn-RequestId", &ctx.request_id)
}

/// An error in the query shape. 5xx are the receiver's fault, the rest the
/// sender's.
pub fn error(ctx: &Ctx, xmlns: &str, status: u16, code: &str, message: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        r#"<ErrorResponse xmlns="{xmlns}"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>"#,
        escape(code),
        escape(message),
        escape(&ctx.request_id)
    );
    Reply::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        "text/xml",
        body,
    )
    .with_header("x-amzn-RequestId", &ctx.request_id)
}

/// `2024-01-02T03:04:05Z`: ISO-8601 in UTC with whole seconds, as IAM and
/// STS write dates.
pub fn iso8601_seconds(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The service a SigV4 `Authorization` header was signed for (its credential
/// scope `AKID/date/region/SERVICE/aws4_request`).
pub fn signing_service(authorization: &str) -> Option<&str> {
    let cred = authorization.split("Credential=").nth(1)?;
    let cred = cred.split([',', ' ']).next()?;
    let mut parts = cred.rsplit('/');
    let _terminator = parts.next()?;
    parts.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_structures() {
        let form = Form::parse(
            b"Action=CreateRole&RoleName=a%2Bb+c&Tags.member.2.Key=k2&Tags.member.1.Key=k1\
              &Tags.member.1.Value=v1&Tags.member.2.Value=&Names.member.10=z&Names.member.9=y",
        )
        .unwrap();
        assert_eq!(form.action(), Some("CreateRole"));
        assert_eq!(form.get("RoleName"), Some("a+b c"));
        let tags = form.struct_list("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0]["Key"], "k1");
        assert_eq!(tags[1]["Value"], "");
        assert_eq!(form.list("Names"), vec!["y", "z"]);
    }

    #[test]
    fn rejects_invalid_utf8() {
        assert!(Form::parse(b"Action=%FF%FE").is_err());
        assert!(Form::parse(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn finds_the_signing_service() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/monitoring/aws4_request, \
                    SignedHeaders=host;x-amz-date, Signature=abc";
        assert_eq!(signing_service(auth), Some("monitoring"));
        assert_eq!(signing_service("Bearer x"), None);
    }
}
