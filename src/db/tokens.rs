//! SQL for members' API tokens (stored as hashes only).

use sqlx::Row;

use super::{now_millis, Db};
use crate::model::LocalActor;

/// A token as its owner sees it in a list (never the token itself).
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl Db {
    /// Stores the hash of a new token of `actor_id`; returns its id.
    pub async fn insert_api_token(
        &self,
        actor_id: i64,
        token_hash: &str,
        label: &str,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(
            "INSERT INTO api_tokens (actor_id, token_hash, label, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(actor_id)
        .bind(token_hash)
        .bind(label)
        .bind(now_millis())
        .fetch_one(&self.pool)
        .await
    }

    /// The member owning the live token with this hash, marking the token used.
    pub async fn member_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<LocalActor>, sqlx::Error> {
        let actor_id: Option<i64> = sqlx::query_scalar(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL \
             RETURNING actor_id",
        )
        .bind(now_millis())
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        match actor_id {
            Some(actor_id) => self.local_actor_by_id(actor_id).await,
            None => Ok(None),
        }
    }

    /// The live tokens of a member.
    pub async fn api_tokens_of(&self, actor_id: i64) -> Result<Vec<TokenInfo>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, label, created_at, last_used_at FROM api_tokens \
             WHERE actor_id = $1 AND revoked_at IS NULL ORDER BY id",
        )
        .bind(actor_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TokenInfo {
                    id: row.try_get("id")?,
                    label: row.try_get("label")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// Revokes a live token of `actor_id`; false if there is no such token.
    pub async fn revoke_api_token(
        &self,
        actor_id: i64,
        token_id: i64,
    ) -> Result<bool, sqlx::Error> {
        let result = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE id = $2 AND actor_id = $3 AND revoked_at IS NULL",
        )
        .bind(now_millis())
        .bind(token_id)
        .bind(actor_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() > 0)
    }
}
