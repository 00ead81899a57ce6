//! Posts at their ids, with content negotiation: the object JSON for ActivityPub clients, the
//! page for browsers, 410 with a `Tombstone` once deleted. Also each post's `replies`
//! collection, each conversation's `context` (FEP-7888, an ordered collection of its posts as
//! FEP-f228 describes), and the `Create` that published a post.

use activitypub_federation::config::Data;
use axum::{
    extract::{Path, Query, RawQuery},
    http::{HeaderMap, StatusCode},
    response::Response,
    routing::get,
    Router,
};
use serde_json::Value;

use super::{
    activities::create_post::create_post,
    objects::post::{object_document, object_json, post_url, tombstone, ObjectJson},
    routes::{
        activity_response, collection, negotiate, negotiate_json, PageQuery, Representation,
        PAGE_SIZE,
    },
};
use crate::{
    error::{Error, Result},
    model::{Post, PostKind, Visibility},
    state::AppState,
    web,
};

pub fn router() -> Router {
    Router::new()
        .route("/posts/{id}", get(post))
        .route("/posts/{id}/activity", get(create_activity))
        .route("/posts/{id}/replies", get(replies))
        .route("/posts/{id}/context", get(context))
}

/// A public post by the number in its URL (a deleted one too, and one removed by moderators,
/// which looks deleted); 404 otherwise. Posts not addressed to the public, and posts held for
/// moderation, are never served here.
async fn find(data: &AppState, id: &str) -> Result<Post> {
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    data.db
        .post_by_id(id)
        .await?
        .filter(|post| post.visibility == Visibility::Public && post.held_reason.is_none())
        .map(crate::db::posts::as_public_tombstone)
        .ok_or(Error::NotFound)
}

/// The object of a live post (with what it answers and, for events, who takes part).
pub async fn object_json_of(data: &AppState, post: &Post) -> Result<ObjectJson> {
    let parent = match post.parent_id {
        Some(parent_id) => data.db.post_by_id(parent_id).await?,
        None => None,
    };
    let participants = if post.kind == PostKind::Event {
        data.db.count_participants(post.id).await?
    } else {
        0
    };
    let parent_url = parent.as_ref().map(|parent| post_url(data, parent));
    Ok(object_json(data, post, parent_url, participants))
}

fn gone(representation: Representation, data: &AppState, post: &Post) -> Response {
    let mut response = activity_response(representation, &tombstone(data, post));
    *response.status_mut() = StatusCode::GONE;
    response
}

/// `GET /posts/{id}`
async fn post(
    data: Data<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response> {
    let post = find(&data, &id).await?;
    let representation = negotiate(&headers);
    if representation == Representation::Html {
        return web::posts::post_page_for(&data, &post, &headers, query.as_deref()).await;
    }
    if post.ap_id.is_some() {
        // A post from another server is served as JSON only by its own server.
        return Err(Error::NotFound);
    }
    if post.is_deleted() {
        return Ok(gone(representation, &data, &post));
    }
    Ok(activity_response(
        representation,
        &object_document(&object_json_of(&data, &post).await?),
    ))
}

/// `GET /posts/{id}/activity`: the `Create` of a local post.
async fn create_activity(
    data: Data<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let post = find(&data, &id).await?;
    if post.ap_id.is_some() {
        return Err(Error::NotFound);
    }
    if post.is_deleted() {
        return Ok(gone(negotiate_json(&headers), &data, &post));
    }
    let create = create_post(&object_json_of(&data, &post).await?);
    Ok(activity_response(negotiate_json(&headers), &create))
}

/// `GET /posts/{id}/replies[?page=N]`: ids of the public answers to a post, oldest first.
async fn replies(
    data: Data<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let post = find(&data, &id).await?;
    let page = query.page()?;
    let collection_id = data.url(&format!("/posts/{}/replies", post.id));
    let (items, total) = match page {
        Some(n) => {
            data.db
                .visible_answers(post.id, PAGE_SIZE, (n - 1) * PAGE_SIZE)
                .await?
        }
        None => (Vec::new(), data.db.visible_answers(post.id, 0, 0).await?.1),
    };
    let items = items
        .iter()
        .map(|reply| Value::String(post_url(&data, reply).to_string()))
        .collect();
    Ok(activity_response(
        negotiate_json(&headers),
        &collection(&collection_id, total, page, items),
    ))
}

/// `GET /posts/{id}/context[?page=N]`: the whole conversation a post roots (FEP-7888), as an
/// ordered collection of its public posts, the root first (FEP-f228).
async fn context(
    data: Data<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let root = find(&data, &id).await?;
    if root.root_id.is_some() {
        return Err(Error::NotFound);
    }
    let page = query.page()?;
    let collection_id = data.url(&format!("/posts/{}/context", root.id));
    let (items, total) = match page {
        Some(n) => {
            data.db
                .visible_in_context(root.id, PAGE_SIZE, (n - 1) * PAGE_SIZE)
                .await?
        }
        None => (
            Vec::new(),
            data.db.visible_in_context(root.id, 0, 0).await?.1,
        ),
    };
    let items = items
        .iter()
        .map(|post| Value::String(post_url(&data, post).to_string()))
        .collect();
    let mut body = collection(&collection_id, total, page, items);
    if page.is_none() {
        body["attributedTo"] = Value::String(
            data.url(&format!("/actors/{}", root.audience_name))
                .to_string(),
        );
    }
    Ok(activity_response(negotiate_json(&headers), &body))
}
