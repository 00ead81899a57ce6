//! Actor documents and their collections, with content negotiation: ActivityStreams JSON for
//! `application/activity+json` and `application/ld+json`, the HTML page for everyone else.

use std::collections::HashMap;

use activitypub_federation::config::Data;
use axum::{
    body::Bytes,
    extract::{Path, Query},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use url::Url;

use super::{
    activities::{
        announce::{announce_activity, announce_activity_with_id, relay_announce_id},
        create_post::{create_post, create_with_id},
    },
    actor_documents::actor_document,
    inbox, ACTIVITY_JSON,
};
use crate::{
    db::posts::{page_past_counted, COUNTED_UP_TO},
    error::{Error, Result},
    model::{ActorKind, Author, LocalActor},
    state::AppState,
    web,
};

/// Items in one page of a collection.
pub const PAGE_SIZE: i64 = 20;

pub fn router() -> Router {
    Router::new()
        .route("/actors/{name}", get(actor))
        .route("/actors/{name}/followers", get(followers))
        .route("/actors/{name}/outbox", get(outbox))
        .route("/actors/{name}/inbox", post(inbox::actor_inbox))
        .route("/inbox", post(inbox::shared_inbox))
}

/// The representation a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Representation {
    ActivityJson,
    LdJson,
    Html,
}

/// Reads the `Accept` header: any ActivityStreams type wins, as fediverse servers list it first
/// or alone; browsers get HTML.
pub fn negotiate(headers: &HeaderMap) -> Representation {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    let types: Vec<&str> = accept
        .split(',')
        .map(|range| range.split(';').next().unwrap_or("").trim())
        .collect();
    if types.contains(&"application/activity+json") {
        Representation::ActivityJson
    } else if types.contains(&"application/ld+json") {
        Representation::LdJson
    } else {
        Representation::Html
    }
}

/// Serializes an ActivityStreams document with the content type the client asked for.
pub fn activity_response(representation: Representation, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => document_response(representation, Bytes::from(bytes)),
        Err(err) => Error::Internal(err.to_string()).into_response(),
    }
}

/// An ActivityStreams document already serialized, with the content type the client asked for.
pub fn document_response(representation: Representation, document: Bytes) -> Response {
    let content_type = match representation {
        Representation::LdJson => {
            r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#
        }
        _ => ACTIVITY_JSON,
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        document,
    )
        .into_response()
}

async fn find_actor(data: &Data<AppState>, name: &str) -> Result<LocalActor> {
    data.db
        .local_actor_by_name(name)
        .await?
        .ok_or(Error::NotFound)
}

/// `GET /actors/{name}`: the document served from `actor_documents`' cache.
async fn actor(
    data: Data<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let representation = negotiate(&headers);
    if representation == Representation::Html {
        let row = find_actor(&data, &name).await?;
        let mut page = web::actor_page(&data, &row).await?.into_response();
        page.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Accept"));
        return Ok(page);
    }
    let document = actor_document(&data, &name).await?;
    Ok(document_response(representation, document))
}

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
}

impl PageQuery {
    /// `None` for the collection itself, `Some(n)` (1-based) for a page; 400 when malformed.
    pub fn page(&self) -> Result<Option<i64>> {
        match &self.page {
            None => Ok(None),
            Some(text) => match text.parse::<i64>() {
                Ok(page) if (1..=1_000_000).contains(&page) => Ok(Some(page)),
                _ => Err(Error::BadRequest("page must be a number from 1".into())),
            },
        }
    }
}

/// How big a collection is: counted whole, or (an outbox) counted up to a bound, `None` above
/// it, with each page told whether a row follows its last.
#[derive(Clone, Copy, Debug)]
pub enum Extent {
    Counted(i64),
    Probed { counted: Option<i64>, more: bool },
}

impl From<i64> for Extent {
    fn from(total: i64) -> Self {
        Extent::Counted(total)
    }
}

/// An OrderedCollection, or one of its pages, in Mastodon's shape. `totalItems` is left out
/// when the total is not known (it is optional in ActivityStreams).
pub fn collection(
    id: &Url,
    extent: impl Into<Extent>,
    page: Option<i64>,
    items: Vec<Value>,
) -> Value {
    let page_url = |n: i64| format!("{id}?page={n}");
    let (total, has_next) = match extent.into() {
        Extent::Counted(total) => (Some(total), page.is_some_and(|n| n * PAGE_SIZE < total)),
        Extent::Probed { counted, more } => (counted, more),
    };
    let mut body = match page {
        None => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id,
            "type": "OrderedCollection",
            "first": page_url(1),
        }),
        Some(n) => {
            let mut body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": page_url(n),
                "type": "OrderedCollectionPage",
                "partOf": id,
                "orderedItems": items,
            });
            if has_next {
                body["next"] = json!(page_url(n + 1));
            }
            if n > 1 {
                body["prev"] = json!(page_url(n - 1));
            }
            body
        }
    };
    if let Some(total) = total {
        body["totalItems"] = json!(total);
    }
    body
}

/// `GET /actors/{name}/followers[?page=N]`: ids of followers, oldest first.
async fn followers(
    data: Data<AppState>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = find_actor(&data, &name).await?;
    let page = query.page()?;
    let id = data.url(&format!("/actors/{}/followers", row.name));
    let total = data.db.count_followers(row.id).await?;
    let items = match page {
        Some(n) => data
            .db
            .follower_page(row.id, PAGE_SIZE, (n - 1) * PAGE_SIZE)
            .await?
            .into_iter()
            .map(Value::String)
            .collect(),
        None => Vec::new(),
    };
    Ok(activity_response(
        negotiate_json(&headers),
        &collection(&id, total, page, items),
    ))
}

/// `GET /actors/{name}/outbox[?page=N]`: what the actor published, newest first: its
/// `Create`s; for a forum, its `Announce`s of every public post in its conversations.
async fn outbox(
    data: Data<AppState>,
    Path(name): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = find_actor(&data, &name).await?;
    let page = query.page()?;
    let id = data.url(&format!("/actors/{}/outbox", row.name));
    let group = row.kind == ActorKind::Group;
    // Counted only up to a bound: a forum's posts grow with every reply, and counting a
    // million of them took 300 ms a request. Above it `totalItems` is left out (it is optional),
    // and a page knows it has a next from one row more. The pages reach as far as the count
    // (the newest 10,000 posts): a page further down would cost its offset in rows read.
    if page.is_some_and(|n| page_past_counted(n, PAGE_SIZE)) {
        return Err(Error::NotFound);
    }
    let counted = data.db.count_outbox(row.id, group, COUNTED_UP_TO).await?;
    let known_total = (counted <= COUNTED_UP_TO).then_some(counted);
    let (posts, more) = match page {
        Some(n) => {
            let mut posts = data
                .db
                .outbox_page(row.id, group, PAGE_SIZE + 1, (n - 1) * PAGE_SIZE)
                .await?;
            let more = posts.len() as i64 > PAGE_SIZE && n * PAGE_SIZE < COUNTED_UP_TO;
            posts.truncate(PAGE_SIZE as usize);
            (posts, more)
        }
        None => (Vec::new(), false),
    };
    // A post from elsewhere is listed as the Group relayed it: an `Announce`, under the id it
    // was sent with, of the `Create` that brought it, under that `Create`'s own id (a post
    // fetched rather than received came in none: a `Create` is made for it).
    let remote: Vec<i64> = posts
        .iter()
        .filter(|post| matches!(post.author, Author::Remote { .. }))
        .map(|post| post.id)
        .collect();
    let creates = if group {
        data.db.post_activities(&remote).await?
    } else {
        HashMap::new()
    };
    let group_url = data.actor_url(&row);
    let mut items = Vec::with_capacity(posts.len());
    for post in &posts {
        let object = super::post_routes::object_json_of(&data, post).await?;
        let create = match creates.get(&post.id).map(|id| Url::parse(id)) {
            Some(Ok(create_id)) => create_with_id(&object, create_id),
            _ => create_post(&object),
        };
        items.push(if !group {
            create.embedded()
        } else if matches!(post.author, Author::Remote { .. }) {
            let announce_id = relay_announce_id(&group_url, post.id);
            announce_activity_with_id(&group_url, &create, announce_id).embedded()
        } else {
            announce_activity(&group_url, &create).embedded()
        });
    }
    let extent = Extent::Probed {
        counted: known_total,
        more,
    };
    Ok(activity_response(
        negotiate_json(&headers),
        &collection(&id, extent, page, items),
    ))
}

/// Collections have no HTML page: JSON for everyone, in the type asked for when it is one.
pub fn negotiate_json(headers: &HeaderMap) -> Representation {
    match negotiate(headers) {
        Representation::Html => Representation::ActivityJson,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiation_follows_what_peers_and_browsers_send() {
        let cases = [
            ("application/activity+json", Representation::ActivityJson),
            (
                r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#,
                Representation::LdJson,
            ),
            (
                "application/activity+json, application/ld+json",
                Representation::ActivityJson,
            ),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                Representation::Html,
            ),
            ("*/*", Representation::Html),
        ];
        for (value, expected) in cases {
            assert_eq!(negotiate(&accept(value)), expected, "{value}");
        }
        assert_eq!(negotiate(&HeaderMap::new()), Representation::Html);
    }

    #[test]
    fn pages_link_forward_and_back() {
        let id = Url::parse("https://spm.example/actors/community/followers").unwrap();
        let top = collection(&id, 45, None, Vec::new());
        assert_eq!(top["totalItems"], 45);
        assert_eq!(top["first"], format!("{id}?page=1"));
        let second = collection(&id, 45, Some(2), Vec::new());
        assert_eq!(second["next"], format!("{id}?page=3"));
        assert_eq!(second["prev"], format!("{id}?page=1"));
        let last = collection(&id, 45, Some(3), Vec::new());
        assert!(last.get("next").is_none());
    }

    #[test]
    fn an_outbox_beyond_its_count_has_no_total_and_pages_by_probe() {
        let id = Url::parse("https://spm.example/actors/community/outbox").unwrap();
        let probed = |counted, more| Extent::Probed { counted, more };
        // More than counted: no total; a page followed by another row links to the next.
        let page = collection(&id, probed(None, true), Some(700), Vec::new());
        assert!(page.get("totalItems").is_none(), "{page}");
        assert_eq!(page["next"], format!("{id}?page=701"));
        assert_eq!(page["prev"], format!("{id}?page=699"));
        // The last page: no next, whatever the (unknown) total.
        let last = collection(&id, probed(None, false), Some(900), Vec::new());
        assert!(last.get("next").is_none(), "{last}");
        let top = collection(&id, probed(None, false), None, Vec::new());
        assert!(top.get("totalItems").is_none());
        assert_eq!(top["first"], format!("{id}?page=1"));
        // Counted: the total stays.
        let counted = collection(&id, probed(Some(25), true), Some(1), Vec::new());
        assert_eq!(counted["totalItems"], 25);
        assert_eq!(counted["next"], format!("{id}?page=2"));
    }
}
