//! SQL for what moderators keep: reports, participant labels, and the log of every decision.

use sqlx::{AnyConnection, Row};

use super::{now_millis, Db};

/// A report as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub reporter: String,
    pub reported_actor: Option<String>,
    pub reported_posts: Vec<String>,
    pub comment: String,
    pub state: String,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<i64>,
    pub forwarded_at: Option<i64>,
    pub created_at: i64,
}

/// A new report.
pub struct NewReport<'a> {
    pub reporter: &'a str,
    pub reported_actor: Option<&'a str>,
    pub reported_posts: &'a [String],
    pub comment: &'a str,
    pub flag_activity_id: Option<&'a str>,
}

/// One entry of the moderation log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub id: i64,
    pub moderator_name: String,
    pub action: String,
    pub target: String,
    pub forum_id: Option<i64>,
    pub reason: String,
    /// The activity the decision sent, if any (see its delivery records).
    pub activity_id: Option<String>,
    pub created_at: i64,
}

/// A decision to record.
pub struct NewLogEntry<'a> {
    pub moderator_id: Option<i64>,
    pub moderator_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub forum_id: Option<i64>,
    pub reason: &'a str,
    pub activity_id: Option<&'a str>,
}

const REPORT_COLUMNS: &str = "id, reporter, reported_actor, reported_posts, comment, state, \
     resolution, resolution_note, resolved_at, forwarded_at, created_at";

fn report_from_row(row: &sqlx::any::AnyRow) -> Result<Report, sqlx::Error> {
    let posts: String = row.try_get("reported_posts")?;
    Ok(Report {
        id: row.try_get("id")?,
        reporter: row.try_get("reporter")?,
        reported_actor: row.try_get("reported_actor")?,
        reported_posts: serde_json::from_str(&posts).unwrap_or_default(),
        comment: row.try_get("comment")?,
        state: row.try_get("state")?,
        resolution: row.try_get("resolution")?,
        resolution_note: row.try_get("resolution_note")?,
        resolved_at: row.try_get("resolved_at")?,
        forwarded_at: row.try_get("forwarded_at")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Db {
    pub async fn insert_report(
        conn: &mut AnyConnection,
        report: &NewReport<'_>,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "INSERT INTO reports (reporter, reported_actor, reported_posts, comment, \
             flag_activity_id, state, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6) \
             RETURNING id",
        )
        .bind(report.reporter)
        .bind(report.reported_actor)
        .bind(serde_json::to_string(report.reported_posts).unwrap_or_else(|_| "[]".into()))
        .bind(report.comment)
        .bind(report.flag_activity_id)
        .bind(now_millis())
        .fetch_one(conn)
        .await?
        .try_get("id")
    }

    pub async fn report_by_id(&self, id: i64) -> Result<Option<Report>, sqlx::Error> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// Reports in a state (`open` or `resolved`), oldest open first, newest resolved first.
    pub async fn reports(&self, state: &str, limit: i64) -> Result<Vec<Report>, sqlx::Error> {
        let order = if state == "open" { "ASC" } else { "DESC" };
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE state = $1 ORDER BY id {order} LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(state)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// Resolves an open report; `false` if it was not open.
    pub async fn resolve_report(
        conn: &mut AnyConnection,
        id: i64,
        resolution: &str,
        note: &str,
        by: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = sqlx::query(
            "UPDATE reports SET state = 'resolved', resolution = $1, resolution_note = $2, \
             resolved_by = $3, resolved_at = $4 WHERE id = $5 AND state = 'open'",
        )
        .bind(resolution)
        .bind(note)
        .bind(by)
        .bind(now_millis())
        .bind(id)
        .execute(conn)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn mark_report_forwarded(
        conn: &mut AnyConnection,
        id: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE reports SET forwarded_at = $1 WHERE id = $2")
            .bind(now_millis())
            .bind(id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Every label, by actor id.
    pub async fn participant_labels(&self) -> Result<Vec<(String, String)>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT actor_ap_id, label FROM participant_labels ORDER BY actor_ap_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("actor_ap_id")?, row.try_get("label")?)))
            .collect()
    }

    /// The labels of some actors (by id).
    pub async fn labels_of(
        &self,
        actor_ap_ids: &[String],
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        if actor_ap_ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT actor_ap_id, label FROM participant_labels WHERE {}",
            super::sql_lists::in_json_list(self.backend, "actor_ap_id", 1, true)
        );
        let ids = super::sql_lists::json_list(actor_ap_ids)?;
        let query = sqlx::query(&sql).bind(ids);
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok((row.try_get("actor_ap_id")?, row.try_get("label")?)))
            .collect()
    }

    /// Sets (`Some`) or withdraws (`None`) a participant's label; `false` if nothing changed.
    pub async fn set_participant_label(
        conn: &mut AnyConnection,
        actor_ap_id: &str,
        label: Option<&str>,
        by: i64,
    ) -> Result<bool, sqlx::Error> {
        let done = match label {
            Some(label) => {
                sqlx::query(
                    "INSERT INTO participant_labels (actor_ap_id, label, set_by, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (actor_ap_id) DO UPDATE SET \
                     label = excluded.label, set_by = excluded.set_by, created_at = excluded.created_at",
                )
                .bind(actor_ap_id)
                .bind(label)
                .bind(by)
                .bind(now_millis())
                .execute(conn)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM participant_labels WHERE actor_ap_id = $1")
                    .bind(actor_ap_id)
                    .execute(conn)
                    .await?
            }
        };
        Ok(done.rows_affected() == 1)
    }

    /// Records a moderation decision in the caller's transaction.
    pub async fn log_moderation(
        conn: &mut AnyConnection,
        entry: &NewLogEntry<'_>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO moderation_log (moderator_id, moderator_name, action, target, forum_id, \
             reason, activity_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.moderator_id)
        .bind(entry.moderator_name)
        .bind(entry.action)
        .bind(entry.target)
        .bind(entry.forum_id)
        .bind(entry.reason)
        .bind(entry.activity_id)
        .bind(now_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Log entries, newest first, matching `search` (in action, target, reason or moderator;
    /// empty: all) and optionally one forum.
    pub async fn moderation_log(
        &self,
        search: &str,
        forum_id: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<LogEntry>, sqlx::Error> {
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = format!("%{escaped}%");
        let rows = sqlx::query(
            "SELECT id, moderator_name, action, target, forum_id, reason, activity_id, created_at \
             FROM moderation_log WHERE ($1 = 0 OR forum_id = $1) AND \
             (LOWER(action) LIKE $2 ESCAPE '\\' OR LOWER(target) LIKE $2 ESCAPE '\\' \
              OR LOWER(reason) LIKE $2 ESCAPE '\\' OR LOWER(moderator_name) LIKE $2 ESCAPE '\\') \
             ORDER BY id DESC LIMIT $3 OFFSET $4",
        )
        .bind(forum_id.unwrap_or(0))
        .bind(pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(log_entry_from_row).collect()
    }

    /// The newest `limit` log entries about exactly `target` (e.g. `post 12`) in one forum,
    /// newest first.
    pub async fn moderation_log_about(
        &self,
        target: &str,
        forum_id: i64,
        limit: i64,
    ) -> Result<Vec<LogEntry>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT id, moderator_name, action, target, forum_id, reason, activity_id, created_at \
             FROM moderation_log WHERE target = $1 AND forum_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(target)
        .bind(forum_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(log_entry_from_row).collect()
    }

    /// Whether a forum publishes its moderation log.
    pub async fn forum_log_is_public(&self, forum_id: i64) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT public_log FROM forum_settings WHERE actor_id = $1")
            .bind(forum_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|row| row.try_get::<i64, _>("public_log"))
            .transpose()?
            .unwrap_or(0)
            != 0)
    }

    /// Sets whether a forum publishes its log (`remote_threads` is the forum's current value,
    /// for a forum without a settings row yet).
    pub async fn set_forum_log_public(
        conn: &mut AnyConnection,
        forum_id: i64,
        public: bool,
        remote_threads: bool,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO forum_settings (actor_id, remote_threads, public_log) VALUES ($1, $2, $3) \
             ON CONFLICT (actor_id) DO UPDATE SET public_log = excluded.public_log",
        )
        .bind(forum_id)
        .bind(i64::from(remote_threads))
        .bind(i64::from(public))
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// A log entry from its row.
fn log_entry_from_row(row: &sqlx::any::AnyRow) -> Result<LogEntry, sqlx::Error> {
    Ok(LogEntry {
        id: row.try_get("id")?,
        moderator_name: row.try_get("moderator_name")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        forum_id: row.try_get("forum_id")?,
        reason: row.try_get("reason")?,
        activity_id: row.try_get("activity_id")?,
        created_at: row.try_get("created_at")?,
    })
}
