//! Giving one alert: checked again against the case as it is now, told to the right person
//! (the handler; for a broken promise the responsible manager; when it stays broken the
//! manager one level up, S7), recorded as an event and mailed in the job's own transaction.

use chrono::{DateTime, Utc};
use domain::alerts::{AlertStage, due_now, label};
use domain::{Actor, CaseState, EventPayload, NewEvent, NodeLevel, OrgNode, OrgTree};
use std::collections::HashMap;
use store::{Job, OutboxMessage, StoreError, User};

use super::sweep::{AlertJob, pending_alerts};
use crate::App;
use crate::lang::Lang;

/// Each municipality's organisation and accounts, read once per tick rather than per alert.
pub(super) type Directory = HashMap<String, (OrgTree, Vec<User>)>;

/// Gives the job's alert if the case still owes it now; false when it no longer does (the
/// promise was kept, the case closed, or a later stage is due instead).
pub(super) async fn give(
    state: &App,
    directory: &mut Directory,
    job: &Job,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let alert: AlertJob =
        serde_json::from_str(&job.payload).map_err(|e| StoreError::Corrupt(format!("alert job: {e}")))?;
    let Some(case) = state.store.case(alert.case_id).await? else {
        state.store.finish_job(job.id, now).await?;
        return Ok(false);
    };
    let events = state.store.events(case.id).await?;
    let pending = pending_alerts(state, &case, &events, now)?;
    let owed = due_now(&pending, now)
        .into_iter()
        .any(|a| a.clock == alert.clock && a.stage == alert.stage && a.due_at == alert.due_at);
    if !owed {
        state.store.finish_job(job.id, now).await?;
        return Ok(false);
    }
    if !directory.contains_key(case.jurisdiction.as_str()) {
        let j = &case.jurisdiction;
        let read = tokio::try_join!(state.store.org_tree(j), state.store.users(j))?;
        directory.insert(j.to_string(), read);
    }
    let (tree, users) = &directory[case.jurisdiction.as_str()];
    let (node, person) = recipient(tree, users, &case, alert.stage);
    let event = NewEvent::new(
        now,
        Actor::System,
        EventPayload::ClockAlert {
            clock: alert.clock.clone(),
            stage: alert.stage,
            due_at: alert.due_at,
            notified: person.map(|u| u.id),
            node_id: node.map(|n| n.id.clone()),
        },
    );
    if person.is_none() {
        tracing::warn!(case = %case.number, clock = %alert.clock, stage = alert.stage.code(), "an alert reached nobody: no manager post up the line has an account");
    }
    let messages: Vec<OutboxMessage> = person.and_then(|p| mail(state, tree, &case, &alert, p)).into_iter().collect();
    state.store.append_for_job(job.id, case.id, event, &messages).await?;
    Ok(true)
}

/// Who is told, and the unit whose manager that is. A reminder goes to the handler (to the
/// responsible manager while nobody handles the case); a breach to the responsible manager;
/// an escalation to the next official above them. Officials are the managers up the line
/// whose post has an active account — a post that is empty or has no account is passed over,
/// and a nämnd, a political board, is never one. When nobody can be told, neither is
/// returned, and the event records that the alert reached nobody.
fn recipient<'a>(
    tree: &'a OrgTree,
    users: &'a [User],
    case: &CaseState,
    stage: AlertStage,
) -> (Option<&'a OrgNode>, Option<&'a User>) {
    let active = |id: domain::UserId| users.iter().find(|u| u.id == id && !u.disabled);
    let officials = officials(tree, users, &case.node_id);
    let responsible = officials.first().map(|(n, u)| (Some(*n), Some(*u)));
    match stage {
        stage if stage.to_handler() => match case.handler_id.and_then(active) {
            Some(handler) => (None, Some(handler)),
            None => responsible.unwrap_or((None, None)),
        },
        AlertStage::Escalated => {
            // The next one up who is another person (one person may head two levels).
            let first = officials.first().map(|(_, u)| u.id);
            officials.iter().find(|(_, u)| Some(u.id) != first).map_or((None, None), |(n, u)| (Some(*n), Some(*u)))
        }
        _ => responsible.unwrap_or((None, None)),
    }
}

/// The managers up the line from `node` who can be told: posts filled with an active account,
/// nearest first, never a nämnd.
pub fn officials<'a>(tree: &'a OrgTree, users: &'a [User], node: &str) -> Vec<(&'a OrgNode, &'a User)> {
    tree.line(node)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.level != NodeLevel::Namnd)
        .filter_map(|n| {
            let user = n.manager_user_id.and_then(|id| users.iter().find(|u| u.id == id && !u.disabled))?;
            Some((n, user))
        })
        .collect()
}

/// Manager posts that alerts pass over: a name without an account, or an account that is
/// disabled or gone (nämnder excepted: they are never told).
pub fn posts_without_account<'a>(tree: &'a OrgTree, users: &[User]) -> Vec<&'a OrgNode> {
    let root = tree.root().id.clone();
    tree.subtree(&root)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.level != NodeLevel::Namnd && n.manager_name.is_some())
        .filter(|n| !n.manager_user_id.is_some_and(|id| users.iter().any(|u| u.id == id && !u.disabled)))
        .collect()
}

/// The message to the person told: the case number, the promise and its due time, and a
/// link; nothing the citizen wrote (personal data stays in the case).
fn mail(state: &App, tree: &OrgTree, case: &CaseState, alert: &AlertJob, to: &User) -> Option<OutboxMessage> {
    let recipient = to.email.clone().filter(|e| !e.trim().is_empty())?;
    let lang = Lang::Sv;
    let policy = state.store.policy(&case.jurisdiction);
    let promise = policy
        .clocks
        .iter()
        .find(|c| c.id == alert.clock)
        .map_or_else(|| label(&alert.clock), |c| format!("{} ({})", label(&c.id), c.name(lang.code())));
    let body = lang.t_with(
        &format!("alert-mail-{}", alert.stage.code()),
        &[
            ("number", case.number.clone()),
            ("promise", promise),
            ("due", crate::dates::deadline(alert.due_at, lang)),
            ("unit", tree.display_path(&case.node_id).unwrap_or_else(|_| case.node_id.to_string())),
        ],
    );
    Some(OutboxMessage {
        case_id: case.id,
        purpose: format!("alert-{}", alert.stage.code()),
        recipient,
        subject: String::new(),
        body,
        language: lang.code().to_owned(),
        created_at: Utc::now(),
        ..OutboxMessage::default()
    })
}
