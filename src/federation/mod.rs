//! Federation: how Rounds speaks ActivityPub. `objects/` and `activities/` hold the wire
//! formats and their rules, `inbox` receives, `routes` serves actors (their documents cached by
//! `actor_documents`) and collections,
//! `discovery` serves WebFinger, host-meta and NodeInfo, `signatures` adds the checks the
//! library leaves to us, `urls` says which remote URLs are acceptable at all.
//!
//! Architecture invariant: every remote object is verified (id and actor on one instance, the
//! signing key owned by the actor) before anything from it is stored.

pub mod activities;
pub mod actor_documents;
pub mod discovery;
pub mod inbox;
pub mod objects;
pub mod post_routes;
pub mod routes;
pub mod signatures;
pub mod urls;
pub mod verification;

use std::time::Duration;

use activitypub_federation::{
    config::FederationConfig, resolver::ValidatingDnsResolver, FEDERATION_CONTENT_TYPE,
};
use reqwest::redirect::Policy;

use crate::{
    config::Config, error::Error, federation::objects::local_actor::ApubLocalActor, state::AppState,
};

/// Timeout of every outgoing request (fetches and deliveries).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP client of every outgoing request (fetches and deliveries): no redirects, bounded
/// time, our User-Agent, connections pooled per host, and (outside insecure mode) no loopback or
/// private addresses. No proxy either, whatever `HTTP_PROXY`, `HTTPS_PROXY` or `ALL_PROXY` say:
/// through a proxy the client resolves no names, the proxy does, and the address check above
/// would be skipped (`tests/ssrf_proxy_env.rs`).
pub fn http_client(config: &Config) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .user_agent(format!(
            "Rounds/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            config.base_url()
        ))
        .dns_resolver(ValidatingDnsResolver::new(
            Vec::new(),
            !config.insecure_federation,
        ))
        .build()
        .map_err(|err| Error::Internal(format!("http client: {err}")))
}

/// Builds the library's configuration: our domain, our HTTP client, signed fetches by the
/// instance actor. Insecure federation turns on the library's debug mode (http ids, explicit
/// ports) and lets the client reach loopback and private addresses.
pub async fn federation_config(
    state: AppState,
    instance_actor: &ApubLocalActor,
) -> Result<FederationConfig<AppState>, Error> {
    let insecure = state.config.insecure_federation;
    let client = http_client(&state.config)?;
    let policies = crate::service::moderation::instances::PolicyVerifier(state.clone());
    FederationConfig::builder()
        .domain(state.config.domain.clone())
        .app_data(state)
        .client(client.into())
        .debug(insecure)
        .allow_http_urls(insecure)
        .request_timeout(REQUEST_TIMEOUT)
        .http_fetch_limit(50)
        .signed_fetch_actor(instance_actor)
        .url_verifier(Box::new(policies))
        .build()
        .await
        .map_err(|err| Error::Internal(format!("federation config: {err}")))
}

/// The content type of our ActivityStreams responses.
pub const ACTIVITY_JSON: &str = FEDERATION_CONTENT_TYPE;
