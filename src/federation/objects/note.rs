//! A post from another server (a reply, or a new thread addressed to a forum), as Mastodon,
//! Lemmy, Misskey, Pleroma, GoToSocial and Fedify send it: read leniently in shape (single values
//! or arrays, full or compact IRIs, objects or ids, absent or null), strictly in type (a number
//! where a reference or text belongs makes the whole post unreadable, never a silent default),
//! then checked and turned into what Rounds stores. Content is sanitized here, before anything
//! else sees it.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use url::Url;

use super::{first_of, strip_nul, url_in};
use crate::{
    error::{Error, Result},
    federation::urls,
    model::{actor::instance_of, Visibility},
    render::sanitize_html,
};

/// The object types read as posts.
pub const POST_TYPES: [&str; 5] = ["Note", "Article", "Page", "Question", "Event"];

/// The longest content read (characters); the rest is cut before sanitizing.
pub const MAX_CONTENT: usize = 100_000;

/// The parts of a remote post Rounds reads. Unknown fields are ignored.
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct NoteJson {
    pub id: Url,
    #[serde(rename = "type", deserialize_with = "first_of")]
    pub kind: String,
    #[serde(deserialize_with = "author_of")]
    pub attributed_to: Url,
    #[serde(default, deserialize_with = "long_text")]
    pub content: Option<String>,
    #[serde(default)]
    pub content_map: Option<serde_json::Map<String, Value>>,
    #[serde(default, deserialize_with = "short_text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "short_text")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    pub in_reply_to: Option<Url>,
    #[serde(default, deserialize_with = "references")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "references")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "time")]
    pub published: Option<String>,
    #[serde(default, deserialize_with = "time")]
    pub updated: Option<String>,
    #[serde(default, deserialize_with = "link")]
    pub url: Option<Value>,
    #[serde(default, deserialize_with = "tags")]
    pub tag: Option<Value>,
    #[serde(default, deserialize_with = "optional_id")]
    pub audience: Option<Url>,
}

/// `attributedTo`: an IRI, an object, or an array of them (PeerTube and old Lemmy list the
/// channel or community too); the first `Person` (or the first of any type) is the author.
fn author_of<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Url, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let found = match &value {
        Value::Array(items) => items
            .iter()
            .find(|item| item.get("type").and_then(Value::as_str) == Some("Person"))
            .or_else(|| items.first())
            .and_then(url_in),
        other => url_in(other),
    };
    found.ok_or_else(|| serde::de::Error::custom("attributedTo must name an actor"))
}

fn invalid<E: serde::de::Error>(what: &str) -> E {
    E::custom(format!("{what} has the wrong type"))
}

/// A reference that may be absent or null; anything else must name a URL.
fn optional_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Url>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        value => url_in(&value)
            .map(Some)
            .ok_or_else(|| invalid("a reference")),
    }
}

/// `to` / `cc`: one or many references, as IRIs or compact names (`as:Public`), or objects with
/// an id. Anything else (a number, a nested array) makes the post unreadable.
fn references<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let one = |value: &Value| match value {
        Value::String(text) => Ok(Some(text.clone())),
        Value::Object(map) => Ok(map.get("id").and_then(Value::as_str).map(str::to_string)),
        _ => Err(invalid("an address")),
    };
    let mut found = Vec::new();
    match &value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items.iter().take(1_000) {
                found.extend(one(item)?);
            }
        }
        other => found.extend(one(other)?),
    }
    Ok(found)
}

/// Text that may be long (content): a string (cut to `MAX_CONTENT` characters) or null.
fn long_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(Some(strip_nul(text.chars().take(MAX_CONTENT).collect()))),
        Value::Null => Ok(None),
        _ => Err(invalid("content")),
    }
}

/// A short text (name, summary): a string (cut to 500 characters) or null.
fn short_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(Some(strip_nul(text.chars().take(500).collect()))),
        Value::Null => Ok(None),
        _ => Err(invalid("a text field")),
    }
}

/// A time (`published`, `updated`): null, or a date-time string that can be read.
fn time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) if parse_time(&text).is_some() => Ok(Some(text)),
        _ => Err(serde::de::Error::custom("a time is not a date-time")),
    }
}

/// An xsd:dateTime, in Unix ms: RFC 3339, or without an offset (then UTC).
fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|time| time.timestamp_millis())
        .or_else(|_| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .map(|time| time.and_utc().timestamp_millis())
        })
        .ok()
}

/// `url`: a string, a `Link` object, an array of them, or null.
fn link<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        value @ (Value::String(_) | Value::Object(_) | Value::Array(_)) => Ok(Some(value)),
        _ => Err(invalid("url")),
    }
}

/// `tag`: an object, an array, an IRI, or null.
fn tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(None),
        Value::String(text) if Url::parse(&text).is_ok() => Ok(None),
        value @ (Value::Object(_) | Value::Array(_)) => Ok(Some(value)),
        _ => Err(invalid("tag")),
    }
}

/// The ways the public collection is written.
pub fn is_public(address: &str) -> bool {
    matches!(
        address,
        "https://www.w3.org/ns/activitystreams#Public" | "as:Public" | "Public"
    )
}

impl NoteJson {
    /// The object is a post of a kind Rounds reads, by the actor who sent it, with its id on
    /// that actor's instance.
    pub fn check_sent_by(&self, actor: &Url) -> Result<()> {
        if !POST_TYPES.contains(&self.kind.as_str()) {
            return Err(Error::BadRequest("object is not a post".into()));
        }
        self.check_own_instance()?;
        if &self.attributed_to != actor {
            return Err(Error::BadRequest(
                "the object's author is not the activity's actor".into(),
            ));
        }
        Ok(())
    }

    /// The post's id and its author are acceptable URLs on one instance (a fetched post vouches
    /// only for its own instance), and what it answers or addresses is an acceptable URL.
    pub fn check_own_instance(&self) -> Result<()> {
        let references = [
            ("id", Some(&self.id)),
            ("attributedTo", Some(&self.attributed_to)),
            ("inReplyTo", self.in_reply_to.as_ref()),
            ("audience", self.audience.as_ref()),
        ];
        for (field, url) in references {
            // The scheme by mode is the library's to check, on every fetch.
            if let Some(reason) = url.and_then(|url| urls::refusal(url, true)) {
                return Err(Error::BadRequest(format!(
                    "the object's {field} is refused: {reason}"
                )));
            }
        }
        let instance = instance_of(&self.id);
        if instance.is_none() || instance != instance_of(&self.attributed_to) {
            return Err(Error::BadRequest(
                "the object and its author are on different hosts".into(),
            ));
        }
        Ok(())
    }

    /// Who may see it, as its author addressed it: public (also "unlisted", `Public` in `cc`),
    /// followers only, or only the actors named.
    pub fn visibility(&self) -> Visibility {
        let addresses = || self.to.iter().chain(self.cc.iter());
        if addresses().any(|address| is_public(address)) {
            Visibility::Public
        } else if addresses().any(|address| address.ends_with("/followers")) {
            Visibility::Followers
        } else {
            Visibility::Direct
        }
    }

    /// Whether `actor` is addressed (in `to`, `cc` or `audience`) or mentioned.
    pub fn addresses(&self, actor: &Url) -> bool {
        let id = actor.as_str();
        self.to
            .iter()
            .chain(self.cc.iter())
            .any(|address| address == id)
            || self.audience.as_ref() == Some(actor)
            || self.mentions().iter().any(|mention| mention == actor)
    }

    /// The actors named by `Mention` tags.
    pub fn mentions(&self) -> Vec<Url> {
        let tags = match &self.tag {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(item @ Value::Object(_)) => vec![item],
            _ => Vec::new(),
        };
        tags.into_iter()
            .filter(|tag| tag.get("type").and_then(Value::as_str) == Some("Mention"))
            .filter_map(|tag| tag.get("href").and_then(Value::as_str))
            .filter_map(|href| Url::parse(href).ok())
            .take(100)
            .collect()
    }

    /// Hashtags named by `Hashtag` tags, without `#`.
    pub fn hashtags(&self) -> Vec<String> {
        let tags = match &self.tag {
            Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
            Some(item @ Value::Object(_)) => vec![item],
            _ => Vec::new(),
        };
        tags.into_iter()
            .filter(|tag| tag.get("type").and_then(Value::as_str) == Some("Hashtag"))
            .filter_map(|tag| tag.get("name").and_then(Value::as_str))
            .map(|name| name.trim_start_matches('#').to_string())
            .filter(|name| {
                !name.is_empty()
                    && name.chars().count() <= 50
                    && name.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
            .take(20)
            .collect()
    }

    /// The content as sanitized HTML: `content`, else the first language of `contentMap`.
    pub fn sanitized_content(&self) -> String {
        let raw = self.content.clone().or_else(|| {
            self.content_map.as_ref().and_then(|map| {
                map.values()
                    .find_map(Value::as_str)
                    .map(|text| text.chars().take(MAX_CONTENT).collect())
            })
        });
        strip_nul(sanitize_html(raw.as_deref().unwrap_or_default()))
    }

    /// The content warning (`summary` of a `Note`), as plain text.
    pub fn content_warning(&self) -> Option<String> {
        if self.kind != "Note" {
            return None;
        }
        self.summary
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(str::to_string)
    }

    /// A title: `name` when there is one (Lemmy, NodeBB), else the start of the text.
    pub fn title(&self, content_html: &str) -> String {
        if let Some(name) = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return name.chars().take(200).collect();
        }
        let line = crate::render::plain_text(content_html);
        let mut title: String = line.chars().take(80).collect();
        if line.chars().count() > 80 {
            title.push('…');
        }
        if title.is_empty() {
            "Untitled".to_string()
        } else {
            title
        }
    }

    /// When it was published, in Unix ms: its own time, unless missing, unreadable, or in the
    /// future (then now).
    pub fn published_millis(&self, now: i64) -> i64 {
        self.published
            .as_deref()
            .and_then(parse_time)
            .filter(|millis| *millis <= now && *millis > 0)
            .unwrap_or(now)
    }

    /// Its page on its own server, when it names a safe one.
    pub fn page_url(&self, allow_http: bool) -> Option<Url> {
        self.url
            .as_ref()
            .and_then(|url| super::remote_actor::safe_web_url(url, allow_http))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_note_is_read_in_every_shape() {
        let compact = json!({
            "id": "https://fedify.example/notes/1", "type": "Note",
            "attributedTo": {"id": "https://fedify.example/users/bob", "type": "Person"},
            "content": "<p>Hi <script>x()</script></p>", "to": "as:Public",
            "inReplyTo": {"id": "https://spm.example/posts/1", "type": "Note"},
        });
        let note: NoteJson = serde_json::from_value(compact).unwrap();
        assert_eq!(
            note.attributed_to.as_str(),
            "https://fedify.example/users/bob"
        );
        assert_eq!(note.visibility(), Visibility::Public);
        assert_eq!(
            note.in_reply_to.as_ref().unwrap().as_str(),
            "https://spm.example/posts/1"
        );
        assert_eq!(note.sanitized_content(), "<p>Hi </p>");

        let followers_only = json!({
            "id": "https://m.example/s/2", "type": "Note",
            "attributedTo": ["https://m.example/users/a", "https://m.example/groups/g"],
            "content": null, "contentMap": {"en": "<p>hello</p>"},
            "to": ["https://m.example/users/a/followers"], "cc": [],
            "inReplyTo": null, "published": "2999-01-01T00:00:00Z",
        });
        let note: NoteJson = serde_json::from_value(followers_only).unwrap();
        assert_eq!(note.visibility(), Visibility::Followers);
        assert!(note.in_reply_to.is_none());
        assert_eq!(note.sanitized_content(), "<p>hello</p>");
        assert_eq!(
            note.published_millis(1_000),
            1_000,
            "a future time is not believed"
        );
        assert_eq!(
            note.title("<p>Hello <b>there</b> &amp; all</p>"),
            "Hello there & all"
        );

        for broken in [
            json!({"id": "https://m.example/s/3", "type": "Note"}),
            json!({"id": "not a url", "type": "Note", "attributedTo": "https://m.example/u"}),
            json!({"id": "https://m.example/s/3", "type": "Note", "attributedTo": 5}),
            json!({"id": "https://m.example/s/3", "type": "Note",
                   "attributedTo": "https://m.example/u", "inReplyTo": 42}),
            json!({"id": "https://m.example/s/3", "type": "Note",
                   "attributedTo": "https://m.example/u", "to": [5]}),
            json!({"id": "https://m.example/s/3", "type": "Note",
                   "attributedTo": "https://m.example/u", "content": {"en": "x"}}),
            json!({"id": "https://m.example/s/3", "type": "Note",
                   "attributedTo": "https://m.example/u", "published": "yesterday"}),
        ] {
            assert!(serde_json::from_value::<NoteJson>(broken).is_err());
        }
    }

    #[test]
    fn only_the_author_on_its_own_instance_may_send_it() {
        let note: NoteJson = serde_json::from_value(json!({
            "id": "https://m.example/s/1", "type": "Note",
            "attributedTo": "https://m.example/users/a", "content": "x"
        }))
        .unwrap();
        let author = Url::parse("https://m.example/users/a").unwrap();
        let other = Url::parse("https://m.example/users/b").unwrap();
        assert!(note.check_sent_by(&author).is_ok());
        assert!(note.check_sent_by(&other).is_err());
        let mut elsewhere = note.clone();
        elsewhere.id = Url::parse("https://m.example:8443/s/1").unwrap();
        assert!(
            elsewhere.check_sent_by(&author).is_err(),
            "another port is another instance"
        );
        let mut person = note;
        person.kind = "Person".into();
        assert!(person.check_sent_by(&author).is_err());
    }
}
