//! SQL for members' browser sessions (stored by the hash of their cookie) and for the password
//! hashes they log in with.

use sqlx::Row;

use super::{now_millis, Db};
use crate::model::LocalActor;

impl Db {
    /// The argon2id hash of a member's password, with the member; `None` if there is no such
    /// member (or it has no password).
    pub async fn member_with_password(
        &self,
        name: &str,
    ) -> Result<Option<(LocalActor, String)>, sqlx::Error> {
        let hash: Option<Option<String>> = sqlx::query_scalar(
            "SELECT password_hash FROM local_actors WHERE name = $1 AND kind = 'Person'",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let Some(Some(hash)) = hash else {
            return Ok(None);
        };
        Ok(self
            .local_actor_by_name(name)
            .await?
            .map(|actor| (actor, hash)))
    }

    pub async fn insert_web_session(
        &self,
        actor_id: i64,
        token_hash: &str,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO web_sessions (actor_id, token_hash, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(actor_id)
        .bind(token_hash)
        .bind(csrf_token)
        .bind(now_millis())
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The member and CSRF token of a live session.
    pub async fn web_session(
        &self,
        token_hash: &str,
    ) -> Result<Option<(LocalActor, String)>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT actor_id, csrf_token FROM web_sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_millis())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let actor_id: i64 = row.try_get("actor_id")?;
        let csrf: String = row.try_get("csrf_token")?;
        Ok(self
            .local_actor_by_id(actor_id)
            .await?
            .map(|actor| (actor, csrf)))
    }

    /// Ends a session, and any that have expired.
    pub async fn delete_web_session(&self, token_hash: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
