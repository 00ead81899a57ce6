//! Discovery: WebFinger (RFC 7033), host-meta and NodeInfo 2.1.

use activitypub_federation::config::Data;
use axum::{
    extract::Query,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Deserialize;
use serde_json::json;
use url::Url;

use super::objects::local_actor::ApubLocalActor;
use crate::{
    error::{Error, Result},
    model::{ActorKind, LocalActor},
    state::AppState,
};

pub fn router() -> Router {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
}

#[derive(Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

/// What a WebFinger `resource` names.
#[derive(Debug, PartialEq, Eq)]
pub enum Resource {
    /// A local actor's name (the domain matched ours).
    Local(String),
    /// Well-formed, but not on this server.
    Elsewhere,
}

/// Reads `acct:NAME@DOMAIN` (the `acct:` may be missing) or an actor or profile URL.
pub fn parse_resource(resource: &str, state: &AppState) -> Result<Resource> {
    let malformed =
        || Error::BadRequest("resource must be acct:NAME@DOMAIN or an actor URL".into());
    let resource = resource.trim();
    if resource.starts_with("http://") || resource.starts_with("https://") {
        let url = Url::parse(resource).map_err(|_| malformed())?;
        if url.origin() != state.base.origin() {
            return Ok(Resource::Elsewhere);
        }
        let path = url.path();
        let name = path
            .strip_prefix("/actors/")
            .or_else(|| path.strip_prefix("/@"))
            .filter(|name| !name.is_empty() && !name.contains('/'));
        return Ok(name.map_or(Resource::Elsewhere, |name| {
            Resource::Local(name.to_string())
        }));
    }
    let acct = resource.strip_prefix("acct:").unwrap_or(resource);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (name, domain) = acct.split_once('@').ok_or_else(malformed)?;
    if name.is_empty() || domain.is_empty() || domain.contains('@') || name.contains(':') {
        return Err(malformed());
    }
    if domain.eq_ignore_ascii_case(&state.config.domain) {
        Ok(Resource::Local(name.to_ascii_lowercase()))
    } else {
        Ok(Resource::Elsewhere)
    }
}

/// `GET /.well-known/webfinger?resource=...`: 400 when malformed, 404 when unknown.
async fn webfinger(data: Data<AppState>, Query(query): Query<WebfingerQuery>) -> Result<Response> {
    let resource = query
        .resource
        .ok_or_else(|| Error::BadRequest("the resource parameter is required".into()))?;
    let Resource::Local(name) = parse_resource(&resource, &data)? else {
        return Err(Error::NotFound);
    };
    let row = data
        .db
        .local_actor_by_name(&name)
        .await?
        .ok_or(Error::NotFound)?;
    let body = webfinger_document(&data, &row);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/jrd+json"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        Json(body),
    )
        .into_response())
}

fn webfinger_document(data: &AppState, row: &LocalActor) -> serde_json::Value {
    let actor = ApubLocalActor::new(row.clone(), data);
    let profile = data.url(&format!("/@{}", row.name));
    json!({
        "subject": format!("acct:{}@{}", row.name, data.config.domain),
        "aliases": [actor.id, profile],
        "links": [
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": actor.id,
            },
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": profile,
            }
        ],
        "properties": {
            "https://www.w3.org/ns/activitystreams#type": row.kind.as_str(),
        }
    })
}

/// `GET /.well-known/host-meta`: the XRD pointing at WebFinger, for older servers.
async fn host_meta(data: Data<AppState>) -> Response {
    let template = format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        data.config.base_url()
    );
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{}\"/>\n</XRD>\n",
        html_escape::encode_double_quoted_attribute(&template)
    );
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xrd+xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// `GET /.well-known/nodeinfo`
async fn nodeinfo_links(data: Data<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": data.url("/nodeinfo/2.1"),
        }]
    }))
}

/// `GET /nodeinfo/2.1`
async fn nodeinfo(data: Data<AppState>) -> Result<Response> {
    let members = data.db.count_local_actors(ActorKind::Person).await?;
    let local_posts = data.db.count_local_posts().await?;
    let body = json!({
        "version": "2.1",
        "software": {
            "name": "rounds",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": data.config.base_url(),
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": false,
        "usage": {
            "users": { "total": members },
            "localPosts": local_posts,
        },
        "metadata": {
            "nodeName": "Society for Participatory Medicine",
        }
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
            ),
        )],
        Json(body),
    )
        .into_response())
}
