//! A post as the fediverse sees it: `Note` for discussions (threads and replies), `Article` for
//! journal announcements, `Event` (with Mobilizon's fields) for webinars; a `Tombstone` once
//! deleted. Shapes follow docs/federation.md: Mastodon shows a `Note`'s content inline (so a
//! thread's content opens with its title) and, for `Article` and `Event`, only `name`, `summary`
//! and `url`; Lemmy and NodeBB read the title from `name` and the body from `source`.

use serde::Serialize;
use serde_json::{json, Value};
use url::Url;

use crate::{
    model::{Author, Post, PostKind, Visibility},
    render::time::{event_when, local_rfc3339},
    state::AppState,
    web::{escape, rfc3339},
};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The JSON-LD context of our objects and the activities that carry them: Mobilizon's and
/// schema.org's event terms only where an event is carried (`event`), so that a reply's
/// `Announce`, sent to every follower and kept in the delivery queue until sent, is not a
/// third longer for terms it does not use.
pub fn object_context(event: bool) -> Value {
    if !event {
        return json!([
            "https://www.w3.org/ns/activitystreams",
            {
                "Hashtag": "as:Hashtag",
                "sensitive": "as:sensitive",
                "toot": "http://joinmastodon.org/ns#"
            }
        ]);
    }
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "mz": "https://joinmobilizon.org/ns#",
            "sc": "http://schema.org#",
            "joinMode": { "@id": "mz:joinMode", "@type": "mz:joinModeType" },
            "isOnline": { "@id": "mz:isOnline", "@type": "sc:Boolean" },
            "participantCount": { "@id": "mz:participantCount", "@type": "sc:Integer" },
            "maximumAttendeeCapacity": "sc:maximumAttendeeCapacity",
            "remainingAttendeeCapacity": "sc:remainingAttendeeCapacity",
            "timezone": { "@id": "mz:timezone", "@type": "sc:Text" }
        }
    ])
}

/// Whether an activity's `object` is an event, or an activity that carries one (an
/// `Announce` of a `Create`).
pub fn carries_event(object: &Value) -> bool {
    object["type"] == "Event" || object["object"]["type"] == "Event"
}

/// Where a post lives: its id, its conversation and the actors it involves.
pub struct PostUrls {
    pub id: Url,
    pub author: Url,
    pub audience: Url,
    pub context: Url,
    pub replies: Url,
}

/// The id of a local post.
pub fn local_post_url(state: &AppState, id: i64) -> Url {
    state.url(&format!("/posts/{id}"))
}

/// The number of a local post from its id (`/posts/{id}` on this server), if it is one.
pub fn local_post_id(state: &AppState, url: &Url) -> Option<i64> {
    // An origin alone ignores credentials: a URL with them is not ours.
    if url.origin() != state.base.origin() || !url.username().is_empty() || url.password().is_some()
    {
        return None;
    }
    url.path()
        .strip_prefix("/posts/")?
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
}

/// The ActivityPub id of any stored post (a remote one keeps its own).
pub fn post_url(state: &AppState, post: &Post) -> Url {
    post_url_of(state, post.id, post.ap_id.as_deref())
}

/// As [`post_url`], from the post's row id and its id elsewhere (`ap_id`, remote posts only).
pub fn post_url_of(state: &AppState, id: i64, ap_id: Option<&str>) -> Url {
    ap_id
        .and_then(|ap_id| Url::parse(ap_id).ok())
        .unwrap_or_else(|| local_post_url(state, id))
}

/// The id of a post's author.
pub fn author_url(state: &AppState, author: &Author) -> Url {
    match author {
        Author::Local { name, .. } => state.url(&format!("/actors/{name}")),
        Author::Remote { ap_id, .. } => Url::parse(ap_id).unwrap_or_else(|_| state.url("/")),
    }
}

impl PostUrls {
    pub fn of(state: &AppState, post: &Post) -> PostUrls {
        let root = post.root();
        PostUrls {
            id: post_url(state, post),
            author: author_url(state, &post.author),
            audience: state.url(&format!("/actors/{}", post.audience_name)),
            context: state.url(&format!("/posts/{root}/context")),
            replies: state.url(&format!("/posts/{}/replies", post.id)),
        }
    }
}

/// The wire form of a live post.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ObjectJson {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributed_to: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub sensitive: bool,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Url>,
    pub audience: Url,
    pub context: Url,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub tag: Vec<Value>,
    pub url: Url,
    pub published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    pub replies: Url,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachment: Vec<Value>,
    /// Events: Mobilizon's and schema.org's fields.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventFields>,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EventFields {
    pub start_time: String,
    pub end_time: String,
    pub timezone: String,
    pub join_mode: &'static str,
    pub is_online: bool,
    pub participant_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum_attendee_capacity: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_attendee_capacity: Option<i64>,
}

/// Plain text as the HTML a `summary` carries.
fn text_html(text: &str) -> String {
    escape(text)
}

/// The object JSON of a live post. `parent` is the id of what it answers; `participants` the
/// number of people in an event.
pub fn object_json(
    state: &AppState,
    post: &Post,
    parent: Option<Url>,
    participants: i64,
) -> ObjectJson {
    let urls = PostUrls::of(state, post);
    let followers = format!("{}/followers", urls.author);
    let mut cc = vec![followers];
    if urls.audience != urls.author {
        cc.push(urls.audience.to_string());
    }
    let mut tag = Vec::new();
    for hashtag in &post.details.hashtags {
        tag.push(json!({
            "type": "Hashtag",
            "href": state.url(&format!("/tags/{}", hashtag.to_lowercase())),
            "name": format!("#{hashtag}"),
        }));
    }
    for mention in &post.details.mentions {
        tag.push(json!({ "type": "Mention", "href": mention.href, "name": mention.name }));
        cc.push(mention.href.clone());
    }
    let to = match post.visibility {
        Visibility::Public => vec![PUBLIC.to_string()],
        // Local posts are public; the others keep their author's addressing (issue 5).
        Visibility::Followers | Visibility::Direct => Vec::new(),
    };
    let title = post.title.clone();
    let mut summary = post.content_warning.clone();
    let mut content = post.content_html.clone();
    let mut attachment = Vec::new();
    let mut event = None;
    match post.kind {
        PostKind::Thread => {
            if let Some(title) = &title {
                content = format!("<p><strong>{}</strong></p>{content}", escape(title));
            }
        }
        PostKind::Reply => {}
        PostKind::Article => {
            summary = post.summary.as_deref().map(text_html);
            if let Some(link) = &post.details.link {
                let doi = post
                    .details
                    .doi
                    .as_deref()
                    .map(|doi| format!(" (doi:{})", escape(doi)))
                    .unwrap_or_default();
                content.push_str(&format!(
                    "<p><a href=\"{href}\">{href}</a>{doi}</p>",
                    href = escape(link)
                ));
                attachment.push(json!({
                    "type": "Link", "mediaType": "text/html", "name": "Read the paper", "href": link
                }));
            }
        }
        PostKind::Event => {
            let zone = post
                .details
                .timezone
                .clone()
                .unwrap_or_else(|| "UTC".into());
            let (starts, ends) = (post.starts_at.unwrap_or(0), post.ends_at.unwrap_or(0));
            let join = post.details.join_url.clone().unwrap_or_default();
            summary = Some(text_html(&event_summary(post)));
            attachment.push(json!({
                "type": "Link", "mediaType": "text/html", "name": "Join online", "href": join
            }));
            let capacity = post.details.capacity;
            event = Some(EventFields {
                start_time: local_rfc3339(starts, &zone),
                end_time: local_rfc3339(ends, &zone),
                timezone: zone,
                join_mode: "free",
                is_online: true,
                participant_count: participants,
                maximum_attendee_capacity: capacity,
                remaining_attendee_capacity: capacity.map(|c| (c - participants).max(0)),
            });
        }
    }
    let sensitive = post.kind.object_type() == "Note" && post.content_warning.is_some();
    ObjectJson {
        kind: post.kind.object_type(),
        attributed_to: urls.author,
        name: title,
        summary,
        sensitive,
        content,
        source: post
            .source
            .as_ref()
            .map(|markdown| json!({ "content": markdown, "mediaType": "text/markdown" })),
        in_reply_to: parent,
        audience: urls.audience,
        context: urls.context,
        to,
        cc,
        tag,
        url: post
            .remote_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .unwrap_or_else(|| urls.id.clone()),
        id: urls.id,
        published: rfc3339(post.published_at),
        updated: post.updated_at.map(rfc3339),
        replies: urls.replies,
        attachment,
        event,
    }
}

/// A webinar's summary that stands on its own: when (in its zone), how to join, and what it
/// is about.
pub fn event_summary(post: &Post) -> String {
    let zone = post.details.timezone.as_deref().unwrap_or("UTC");
    let when = event_when(post.starts_at.unwrap_or(0), post.ends_at.unwrap_or(0), zone);
    let join = post.details.join_url.as_deref().unwrap_or_default();
    let about = post.summary.as_deref().unwrap_or_default();
    format!("{when}. Join online: {join}. {about}")
        .trim_end()
        .to_string()
}

/// The object without a `@context`, as an activity carries it.
pub fn object_body(object: &ObjectJson) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The object with its `@context`, as served at its id.
pub fn object_document(object: &ObjectJson) -> Value {
    let mut value = object_body(object);
    if let Value::Object(map) = &mut value {
        map.insert("@context".into(), object_context(object.event.is_some()));
    }
    value
}

/// What a deleted post's id answers (with 410).
pub fn tombstone(state: &AppState, post: &Post) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": post_url(state, post),
        "type": "Tombstone",
        "formerType": post.kind.object_type(),
        "deleted": post.deleted_at.map(rfc3339),
    })
}
