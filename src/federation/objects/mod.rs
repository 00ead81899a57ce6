//! Federated objects: each wraps a row, implements activitypub_federation's `Object`, and keeps
//! its wire struct beside it. Also the lenient readers that every wire struct shares, since
//! Mastodon sends arrays and full IRIs where Fedify sends single values and compact names.

pub mod local_actor;
pub mod note;
pub mod post;
pub mod remote_actor;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

/// Reads a reference that may be a bare IRI (`"https://..."`) or an embedded object with an
/// `id` (`{"id": "https://...", ...}`), as different servers send it.
pub fn id_of<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let value = Value::deserialize(deserializer)?;
    url_in(&value)
        .ok_or_else(|| serde::de::Error::custom("expected an IRI or an object with an id"))
}

/// The URL a reference names: a bare IRI, an object's `id`, or a one-element array of either.
pub fn url_in(value: &Value) -> Option<Url> {
    match value {
        Value::String(text) => Url::parse(text).ok(),
        Value::Object(map) => map.get("id").and_then(url_in),
        // A one-element array is how some compactors write a single value.
        Value::Array(items) if items.len() == 1 => items.first().and_then(url_in),
        _ => None,
    }
}

/// Reads a value that may be sent alone or as an array, keeping the first element.
pub fn first_of<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = Value::deserialize(deserializer)?;
    let single = match value {
        Value::Array(items) => items
            .into_iter()
            .next()
            .ok_or_else(|| serde::de::Error::custom("empty array"))?,
        other => other,
    };
    serde_json::from_value(single).map_err(serde::de::Error::custom)
}

/// Reads a text field leniently: strings pass (cut to `MAX` characters), anything else
/// (null, a language map, a number) becomes `None` instead of failing the whole document.
pub fn lenient_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    const MAX: usize = 500;
    let value = Value::deserialize(deserializer)?;
    Ok(match value {
        Value::String(text) => Some(strip_nul(text.chars().take(MAX).collect())),
        _ => None,
    })
}

/// Removes NUL characters, which PostgreSQL cannot store in text (remote text would otherwise
/// turn into a database error).
pub fn strip_nul(text: String) -> String {
    if text.contains('\0') {
        text.replace('\0', "")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "id_of")]
        actor: Url,
    }

    #[test]
    fn references_are_read_in_every_shape() {
        for json in [
            r#"{"actor": "https://a.example/u/1"}"#,
            r#"{"actor": {"id": "https://a.example/u/1", "type": "Person"}}"#,
            r#"{"actor": ["https://a.example/u/1"]}"#,
        ] {
            let probe: Probe = serde_json::from_str(json).unwrap();
            assert_eq!(probe.actor.as_str(), "https://a.example/u/1");
        }
        for json in [
            r#"{"actor": 5}"#,
            r#"{"actor": "not a url"}"#,
            r#"{"actor": {}}"#,
        ] {
            assert!(serde_json::from_str::<Probe>(json).is_err(), "{json}");
        }
    }
}
