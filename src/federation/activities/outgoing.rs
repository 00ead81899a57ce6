//! The envelope every activity we send about a post shares (`Create`, `Update`, `Delete`,
//! `Announce`): who sends it, what it carries, and its addressing. Each activity's file builds
//! its own.

use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::federation::objects::post::object_context;

#[derive(Serialize, Debug, Clone)]
pub struct Outgoing {
    #[serde(rename = "@context")]
    pub context: Value,
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: Url,
    pub object: Value,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

impl Outgoing {
    pub fn new(kind: &'static str, id: Url, actor: Url, object: Value) -> Outgoing {
        Outgoing {
            context: object_context(),
            id,
            kind,
            actor,
            object,
            to: Vec::new(),
            cc: Vec::new(),
            audience: None,
            published: None,
        }
    }

    /// The JSON as it will be sent (and stored in the delivery queue).
    pub fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// This activity as the object of another (an `Announce`), without its own `@context`.
    pub fn embedded(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("@context");
        }
        value
    }
}

/// An id unique to one activity about `base`: `base#what/0123456789abcdef`.
pub fn unique_id(base: &Url, what: &str) -> Url {
    let token: u64 = rand::random();
    let mut id = base.clone();
    id.set_fragment(Some(&format!("{what}/{token:016x}")));
    id
}
