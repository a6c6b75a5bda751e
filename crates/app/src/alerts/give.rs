//! Giving one alert: checked again against the case as it is now, told to the right person
//! (the handler; for a broken promise the responsible manager; when it stays broken the
//! manager one level up, S7), recorded as an event and mailed in the job's own transaction.

use chrono::{DateTime, Utc};
use domain::alerts::{AlertStage, due_now, label};
use domain::{Actor, CaseState, EventPayload, NewEvent, OrgNode, OrgTree};
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
    if !directory.contains_key(&case.jurisdiction) {
        let j = &case.jurisdiction;
        let read = tokio::try_join!(state.store.org_tree(j), state.store.users(j))?;
        directory.insert(j.clone(), read);
    }
    let (tree, users) = &directory[&case.jurisdiction];
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
    let messages: Vec<OutboxMessage> = person.and_then(|p| mail(state, tree, &case, &alert, p)).into_iter().collect();
    state.store.append_for_job(job.id, case.id, event, &messages).await?;
    Ok(true)
}

/// Who is told, and the unit whose manager that is. A reminder goes to the handler (to the
/// responsible manager while nobody handles the case); a breach to the responsible manager;
/// an escalation to the responsible manager of the unit above theirs. A post without an
/// account is still named by its unit: the event and the inbox mark are there all the same.
fn recipient<'a>(
    tree: &'a OrgTree,
    users: &'a [User],
    case: &CaseState,
    stage: AlertStage,
) -> (Option<&'a OrgNode>, Option<&'a User>) {
    let active = |id: uuid::Uuid| users.iter().find(|u| u.id == id && !u.disabled);
    let responsible = tree.responsible(&case.node_id).ok().flatten();
    let manager = |node: Option<&'a OrgNode>| (node, node.and_then(|n| n.manager_user_id).and_then(active));
    match stage {
        stage if stage.to_handler() => match case.handler_id.and_then(active) {
            Some(handler) => (None, Some(handler)),
            None => manager(responsible),
        },
        AlertStage::Escalated => {
            let above = responsible
                .and_then(|n| n.parent.as_deref())
                .and_then(|parent| tree.responsible(parent).ok().flatten());
            manager(above.or(responsible))
        }
        _ => manager(responsible),
    }
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
            ("unit", tree.display_path(&case.node_id).unwrap_or_else(|_| case.node_id.clone())),
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
