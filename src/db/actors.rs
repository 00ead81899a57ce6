//! SQL for local and remote actors.

use sqlx::{any::AnyRow, AnyConnection, Row};
use url::Url;

use super::{now_millis, Db};
use crate::model::{ActorKind, LocalActor, RemoteActor, Role};

/// What is needed to create a local actor.
pub struct NewLocalActor<'a> {
    pub name: &'a str,
    pub kind: ActorKind,
    pub role: Option<Role>,
    pub display_name: &'a str,
    pub summary: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: &'a str,
    pub password_hash: Option<&'a str>,
}

const LOCAL_COLUMNS: &str =
    "id, name, kind, role, display_name, summary, public_key_pem, private_key_pem, created_at";

fn local_from_row(row: &AnyRow) -> Result<LocalActor, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let role: Option<String> = row.try_get("role")?;
    Ok(LocalActor {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        kind: ActorKind::parse(&kind).ok_or_else(|| decode_error("kind", &kind))?,
        role: match role {
            Some(role) => Some(Role::parse(&role).ok_or_else(|| decode_error("role", &role))?),
            None => None,
        },
        display_name: row.try_get("display_name")?,
        summary: row.try_get("summary")?,
        public_key_pem: row.try_get("public_key_pem")?,
        private_key_pem: row.try_get("private_key_pem")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn decode_error(column: &str, value: &str) -> sqlx::Error {
    sqlx::Error::ColumnDecode {
        index: column.to_string(),
        source: format!("unexpected value {value:?}").into(),
    }
}

impl Db {
    /// Inserts a local actor. A taken name is a unique-constraint error.
    pub async fn insert_local_actor(
        &self,
        actor: &NewLocalActor<'_>,
    ) -> Result<LocalActor, sqlx::Error> {
        let sql = format!(
            "INSERT INTO local_actors (name, kind, role, display_name, summary, public_key_pem, \
             private_key_pem, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {LOCAL_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(actor.name)
            .bind(actor.kind.as_str())
            .bind(actor.role.map(Role::as_str))
            .bind(actor.display_name)
            .bind(actor.summary)
            .bind(actor.public_key_pem)
            .bind(actor.private_key_pem)
            .bind(actor.password_hash)
            .bind(now_millis())
            .fetch_one(&self.pool)
            .await?;
        local_from_row(&row)
    }

    pub async fn local_actor_by_name(&self, name: &str) -> Result<Option<LocalActor>, sqlx::Error> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE name = $1");
        let row = sqlx::query(&sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(local_from_row).transpose()
    }

    /// As [`Db::local_actor_by_id`], on `conn` (a transaction's own connection: code holding a
    /// transaction must not wait for a second connection from the pool, or a busy pool
    /// deadlocks).
    pub async fn local_actor_by_id_in(
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<Option<LocalActor>, sqlx::Error> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(conn).await?;
        row.as_ref().map(local_from_row).transpose()
    }

    pub async fn local_actor_by_id(&self, id: i64) -> Result<Option<LocalActor>, sqlx::Error> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(local_from_row).transpose()
    }

    /// All local actors of the given kinds, oldest first. Filtered in SQL: the home page must
    /// not read every member's row to list a handful of forums.
    pub async fn local_actors_of_kinds(
        &self,
        kinds: &[ActorKind],
    ) -> Result<Vec<LocalActor>, sqlx::Error> {
        let sql = format!("SELECT {LOCAL_COLUMNS} FROM local_actors WHERE kind = $1");
        let mut actors = Vec::new();
        for kind in kinds {
            let rows = sqlx::query(&sql)
                .bind(kind.as_str())
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                actors.push(local_from_row(row)?);
            }
        }
        actors.sort_by_key(|actor| actor.id);
        Ok(actors)
    }

    /// How many local actors of a kind exist.
    pub async fn count_local_actors(&self, kind: ActorKind) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar("SELECT COUNT(*) FROM local_actors WHERE kind = $1")
            .bind(kind.as_str())
            .fetch_one(&self.pool)
            .await
    }

    /// Inserts or refreshes a remote actor by its id.
    pub async fn upsert_remote_actor(
        &self,
        actor: &NewRemoteActor,
    ) -> Result<RemoteActor, sqlx::Error> {
        let sql = format!(
            "INSERT INTO remote_actors (ap_id, instance, kind, preferred_username, display_name, \
             inbox, shared_inbox, public_key_id, public_key_pem, fetched_at, avatar_url, profile_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (ap_id) DO UPDATE SET instance = excluded.instance, \
             kind = excluded.kind, preferred_username = excluded.preferred_username, \
             display_name = excluded.display_name, inbox = excluded.inbox, \
             shared_inbox = excluded.shared_inbox, public_key_id = excluded.public_key_id, \
             public_key_pem = excluded.public_key_pem, fetched_at = excluded.fetched_at, \
             avatar_url = excluded.avatar_url, profile_url = excluded.profile_url \
             RETURNING {REMOTE_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(actor.ap_id.as_str())
            .bind(&actor.instance)
            .bind(&actor.kind)
            .bind(&actor.preferred_username)
            .bind(&actor.display_name)
            .bind(actor.inbox.as_str())
            .bind(actor.shared_inbox.as_ref().map(Url::as_str))
            .bind(&actor.public_key_id)
            .bind(&actor.public_key_pem)
            .bind(now_millis())
            .bind(actor.avatar_url.as_ref().map(Url::as_str))
            .bind(actor.profile_url.as_ref().map(Url::as_str))
            .fetch_one(&self.pool)
            .await?;
        remote_from_row(&row)
    }

    pub async fn remote_actor_by_ap_id(
        &self,
        ap_id: &Url,
    ) -> Result<Option<RemoteActor>, sqlx::Error> {
        let sql = format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE ap_id = $1");
        let row = sqlx::query(&sql)
            .bind(ap_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(remote_from_row).transpose()
    }
}

impl Db {
    /// A known remote actor by handle: its `preferredUsername` (compared without case) on
    /// `instance` (host:port).
    pub async fn remote_actor_by_handle(
        &self,
        user: &str,
        instance: &str,
    ) -> Result<Option<RemoteActor>, sqlx::Error> {
        let sql = format!(
            "SELECT {REMOTE_COLUMNS} FROM remote_actors \
             WHERE LOWER(preferred_username) = $1 AND instance = $2 ORDER BY id LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(user.to_lowercase())
            .bind(instance.to_lowercase())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(remote_from_row).transpose()
    }
}

/// A verified remote actor document, ready to store.
pub struct NewRemoteActor {
    pub avatar_url: Option<Url>,
    pub profile_url: Option<Url>,
    pub ap_id: Url,
    pub instance: String,
    pub kind: String,
    pub preferred_username: Option<String>,
    pub display_name: Option<String>,
    pub inbox: Url,
    pub shared_inbox: Option<Url>,
    pub public_key_id: String,
    pub public_key_pem: String,
}

const REMOTE_COLUMNS: &str = "id, ap_id, instance, kind, preferred_username, display_name, inbox, \
     shared_inbox, public_key_id, public_key_pem, fetched_at, avatar_url, profile_url";

fn parse_url(column: &str, text: &str) -> Result<Url, sqlx::Error> {
    Url::parse(text).map_err(|_| decode_error(column, text))
}

fn remote_from_row(row: &AnyRow) -> Result<RemoteActor, sqlx::Error> {
    let ap_id: String = row.try_get("ap_id")?;
    let inbox: String = row.try_get("inbox")?;
    let shared_inbox: Option<String> = row.try_get("shared_inbox")?;
    Ok(RemoteActor {
        id: row.try_get("id")?,
        ap_id: parse_url("ap_id", &ap_id)?,
        instance: row.try_get("instance")?,
        kind: row.try_get("kind")?,
        preferred_username: row.try_get("preferred_username")?,
        display_name: row.try_get("display_name")?,
        inbox: parse_url("inbox", &inbox)?,
        shared_inbox: shared_inbox
            .map(|text| parse_url("shared_inbox", &text))
            .transpose()?,
        public_key_id: row.try_get("public_key_id")?,
        public_key_pem: row.try_get("public_key_pem")?,
        fetched_at: row.try_get("fetched_at")?,
        avatar_url: row.try_get("avatar_url")?,
        profile_url: row.try_get("profile_url")?,
    })
}

impl Db {
    /// Changes a local actor's display name and summary in the caller's transaction; returns
    /// the actor as it now is, or `None` if there is no such actor.
    pub async fn update_local_actor_profile(
        conn: &mut AnyConnection,
        name: &str,
        display_name: &str,
        summary: &str,
    ) -> Result<Option<LocalActor>, sqlx::Error> {
        let sql = format!(
            "UPDATE local_actors SET display_name = $1, summary = $2 WHERE name = $3 \
             RETURNING {LOCAL_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(display_name)
            .bind(summary)
            .bind(name)
            .fetch_optional(conn)
            .await?;
        row.as_ref().map(local_from_row).transpose()
    }
}
