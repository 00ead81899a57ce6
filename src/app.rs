//! Starting an instance: open and migrate the database, make sure the built-in actors exist,
//! build the federation configuration, start the delivery worker, serve HTTP.

use std::future::{Future, IntoFuture};

use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use axum::Router;
use tokio::net::TcpListener;

use crate::{
    api,
    config::Config,
    db::Db,
    delivery::DeliveryWorker,
    federation::{self, objects::local_actor::ApubLocalActor},
    service::actors::{ensure_built_in_actors, INSTANCE_ACTOR},
    state::AppState,
    web,
};

/// Every route of the server.
pub fn app(federation: FederationConfig<AppState>) -> Router {
    Router::new()
        .merge(web::router())
        .merge(api::router())
        .merge(federation::routes::router())
        .merge(federation::post_routes::router())
        .merge(federation::discovery::router())
        .layer(FederationMiddleware::new(federation))
}

/// Opens the database, applies migrations and creates the built-in actors.
pub async fn open(config: Config) -> anyhow::Result<AppState> {
    let db = Db::connect(&config).await?;
    db.migrate().await?;
    ensure_built_in_actors(&db).await?;
    Ok(AppState::new(db, config)?)
}

/// The library configuration for a ready state, signing fetches as the instance actor.
pub async fn federation_for(state: AppState) -> anyhow::Result<FederationConfig<AppState>> {
    let instance = state
        .db
        .local_actor_by_name(INSTANCE_ACTOR)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the instance actor is missing"))?;
    let instance = ApubLocalActor::new(instance, &state);
    Ok(federation::federation_config(state, &instance).await?)
}

/// Runs an instance on `listener` until `shutdown` completes.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if config.insecure_federation {
        tracing::warn!(
            "INSECURE FEDERATION IS ON: http ids, explicit ports and loopback peers are \
             allowed. For local testing only; never on a public server."
        );
    }
    let state = open(config).await?;
    let federation = federation_for(state.clone()).await?;
    serve(federation, listener, shutdown).await
}

/// Serves a ready instance (see [`open`] and [`federation_for`]) and runs its delivery worker,
/// until `shutdown` completes.
pub async fn serve(
    federation: FederationConfig<AppState>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let state = federation.to_request_data().app_data().clone();
    // Dropping the worker (when this future is dropped) stops it at once; a shutdown signal
    // stops it gracefully below.
    let worker = DeliveryWorker::start(state.clone()).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        domain = %state.config.domain,
        "Rounds is listening"
    );
    let (stop_http, http_stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app(federation)).with_graceful_shutdown(async move {
        let _ = http_stopped.await;
    });
    let mut server = AbortOnDrop(tokio::spawn(server.into_future()));
    tokio::select! {
        _ = shutdown => {}
        // The server ended on its own (an error): stop the worker too.
        ended = &mut server.0 => {
            worker.shutdown(state.config.delivery_shutdown_grace).await;
            return served(ended);
        }
    }
    // The worker stops taking work and finishes what is in flight while HTTP still serves (the
    // receivers of those deliveries fetch our actors' keys); then HTTP stops.
    worker.shutdown(state.config.delivery_shutdown_grace).await;
    tracing::info!("delivery worker stopped");
    let _ = stop_http.send(());
    served((&mut server.0).await)
}

/// How the HTTP server's task ended.
fn served(ended: Result<std::io::Result<()>, tokio::task::JoinError>) -> anyhow::Result<()> {
    match ended {
        Ok(result) => Ok(result?),
        Err(err) => Err(anyhow::anyhow!("server task failed: {err}")),
    }
}

/// Aborts a task when dropped, so that dropping [`serve`] stops the server it spawned.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
