//! What reports count, kept per unit and UTC day. Triggers mark a (unit, day) when
//! a case's reported properties change; `refresh_report_days` recomputes the marked tallies
//! from the cases; `report_tally` reads a period as whole days of tallies plus, at its edges,
//! the hours that do not fill a UTC day, counted from the cases themselves.

pub(crate) use std::collections::{BTreeMap, BTreeSet};

pub(crate) use domain::NodeId;
pub(crate) use domain::clock::{ClockRecord, ClockState};
pub(crate) use serde::{Deserialize, Serialize};

pub(crate) use crate::Result;
pub(crate) use crate::model::{ClockTally, ReportGroup, ReportTally};
pub(crate) use crate::sql::parse;

/// Microseconds in a UTC day: a tally's day is `received_at / DAY`.
pub(crate) const DAY: i64 = 86_400_000_000;
/// Days recomputed in one transaction, so that intake is never held up for long.
pub(crate) const DAYS_PER_REFRESH: i64 = 31;

/// One case as a report counts it.
pub(crate) struct Counted {
    pub(crate) node_id: NodeId,
    pub(crate) group: GroupKey,
    pub(crate) clock_summary: String,
}

/// The properties a report groups by: kind, category, channel, role, justified, causes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct GroupKey(
    pub(crate) String,
    pub(crate) String,
    pub(crate) String,
    pub(crate) Option<String>,
    pub(crate) Option<String>,
    pub(crate) String,
);

/// One unit's day, as stored in `report_days.tally`.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct DayTally {
    pub(crate) groups: Vec<(GroupKey, i64)>,
    pub(crate) clocks: Vec<ClockTally>,
}

/// Counts being added up, per unit.
#[derive(Default)]
pub(crate) struct Tallies {
    pub(crate) groups: BTreeMap<(NodeId, GroupKey), i64>,
    pub(crate) clocks: BTreeMap<(NodeId, String), ClockTally>,
}

impl Tallies {
    pub(crate) fn add_case(&mut self, case: Counted) {
        *self.groups.entry((case.node_id.clone(), case.group)).or_default() += 1;
        for record in ClockRecord::parse_summary(&case.clock_summary) {
            let tally = self.clocks.entry((case.node_id.clone(), record.id.clone())).or_insert_with(|| ClockTally {
                node_id: case.node_id.clone(),
                clock: record.id.clone(),
                ..ClockTally::default()
            });
            match record.state {
                ClockState::Met => tally.met += 1,
                ClockState::Breached => tally.breached += 1,
                ClockState::Paused => tally.paused += 1,
                ClockState::Running => tally.running_due.push(record.due_at.timestamp_micros()),
            }
            if let Some(kept) = record.kept_at {
                tally.kept_seconds.push((kept - record.started_at).num_seconds());
            }
        }
    }

    pub(crate) fn add_day(&mut self, node_id: &NodeId, day: DayTally) {
        for (group, n) in day.groups {
            *self.groups.entry((node_id.clone(), group)).or_default() += n;
        }
        for clock in day.clocks {
            let tally = self.clocks.entry((node_id.clone(), clock.clock.clone())).or_insert_with(|| ClockTally {
                node_id: node_id.clone(),
                clock: clock.clock.clone(),
                ..ClockTally::default()
            });
            tally.met += clock.met;
            tally.breached += clock.breached;
            tally.paused += clock.paused;
            tally.running_due.extend(clock.running_due);
            tally.kept_seconds.extend(clock.kept_seconds);
        }
    }

    /// The tally of one unit's day (all of `self` is that unit's).
    pub(crate) fn into_day(self) -> DayTally {
        DayTally {
            groups: self.groups.into_iter().map(|((_, g), n)| (g, n)).collect(),
            clocks: self.clocks.into_values().collect(),
        }
    }

    pub(crate) fn into_report(self) -> Result<ReportTally> {
        let groups = self
            .groups
            .into_iter()
            .map(|((node_id, GroupKey(kind, category, channel, role, justified, causes)), count)| {
                Ok(ReportGroup {
                    node_id,
                    kind: parse("kind", &kind)?,
                    category,
                    channel: parse("channel", &channel)?,
                    role: role.map(|r| parse("role", &r)).transpose()?,
                    justified: justified.map(|j| parse("justified", &j)).transpose()?,
                    causes,
                    count,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ReportTally { groups, clocks: self.clocks.into_values().collect() })
    }
}

/// The whole UTC days inside `[from, to)`, and the parts before and after them.
pub(crate) fn split(from: i64, to: i64) -> ((i64, i64), Vec<(i64, i64)>) {
    let (first, last) = (from.div_euclid(DAY) + i64::from(from.rem_euclid(DAY) != 0), to.div_euclid(DAY));
    if first >= last {
        return ((0, 0), vec![(from, to)]);
    }
    let edges = [(from, first * DAY), (last * DAY, to)].into_iter().filter(|(a, b)| a < b).collect();
    ((first, last), edges)
}

/// The columns of a case that a report counts (a macro, for `concat!` into static SQL).
macro_rules! case_columns {
    () => {
        "node_id, kind, category, channel, submitter_role, justified, causes, clock_summary, received_at"
    };
}
pub(crate) use case_columns;

macro_rules! reports {
    () => {
        /// `… WHERE jurisdiction_id = ? AND <column> in [from, to) AND node_id IN (nodes)`.
        fn push_range(
            q: &mut sqlx::QueryBuilder<Db>,
            jurisdiction: &JurisdictionId,
            column: &str,
            (from, to): (i64, i64),
            nodes: &[NodeId],
        ) {
            q.push_bind(jurisdiction.to_owned());
            q.push(format!(" AND {column} >= "));
            q.push_bind(from);
            q.push(format!(" AND {column} < "));
            q.push_bind(to);
            push_in(q, "node_id", nodes.iter().cloned());
        }

        fn counted(r: &DbRow) -> Result<(i64, Counted)> {
            Ok((
                r.try_get("received_at")?,
                Counted {
                    node_id: r.try_get("node_id")?,
                    group: GroupKey(
                        r.try_get("kind")?,
                        r.try_get("category")?,
                        r.try_get("channel")?,
                        r.try_get("submitter_role")?,
                        r.try_get("justified")?,
                        r.try_get("causes")?,
                    ),
                    clock_summary: r.try_get("clock_summary")?,
                },
            ))
        }

        /// Recomputes the tallies of every marked (unit, day) of `jurisdiction`, a month of
        /// days per transaction. Each transaction takes the marks it recomputes: a change
        /// committed later leaves a new mark, so nothing is missed and nothing is counted twice.
        pub async fn refresh_report_days(db: &Pools, jurisdiction: &JurisdictionId) -> Result<usize> {
            // Mostly nothing is marked: a look on the read side spares the write lock.
            let marked = sqlx::query("SELECT 1 FROM report_dirty WHERE jurisdiction_id = $1 LIMIT 1")
                .bind(jurisdiction)
                .fetch_optional(&db.read)
                .await?;
            if marked.is_none() {
                return Ok(0);
            }
            let mut refreshed = 0;
            loop {
                let mut tx = db.write.begin_with(DIALECT.begin_write).await?;
                // One refresher at a time, so that an older count never overwrites a newer one.
                sqlx::query(DIALECT.report_lock).execute(&mut *tx).await?;
                let marks = sqlx::query(
                    "DELETE FROM report_dirty WHERE jurisdiction_id = $1 AND day IN \
                     (SELECT DISTINCT day FROM report_dirty WHERE jurisdiction_id = $1 ORDER BY day LIMIT $2) \
                     RETURNING day, node_id",
                )
                .bind(jurisdiction)
                .bind(DAYS_PER_REFRESH)
                .fetch_all(&mut *tx)
                .await?;
                if marks.is_empty() {
                    tx.commit().await?;
                    return Ok(refreshed);
                }
                let mut dirty: BTreeMap<i64, BTreeSet<NodeId>> = BTreeMap::new();
                for m in &marks {
                    dirty.entry(m.try_get("day")?).or_default().insert(m.try_get("node_id")?);
                }
                for (day, nodes) in dirty {
                    let rows = sqlx::query(concat!(
                        "SELECT ",
                        super::reports::case_columns!(),
                        " FROM cases WHERE jurisdiction_id = $1 AND received_at >= $2 AND received_at < $3"
                    ))
                    .bind(jurisdiction)
                    .bind(day * DAY)
                    .bind((day + 1) * DAY)
                    .fetch_all(&mut *tx)
                    .await?;
                    let mut per_node: BTreeMap<NodeId, Tallies> = BTreeMap::new();
                    for row in &rows {
                        let (_, case) = counted(row)?;
                        if nodes.contains(&case.node_id) {
                            per_node.entry(case.node_id.clone()).or_default().add_case(case);
                        }
                    }
                    for node in &nodes {
                        match per_node.remove(node) {
                            Some(tallies) => {
                                let tally = serde_json::to_string(&tallies.into_day())
                                    .map_err(|e| StoreError::Corrupt(format!("tally: {e}")))?;
                                sqlx::query(
                                    "INSERT INTO report_days (jurisdiction_id, day, node_id, tally) \
                                     VALUES ($1, $2, $3, $4) ON CONFLICT (jurisdiction_id, day, node_id) \
                                     DO UPDATE SET tally = excluded.tally",
                                )
                                .bind(jurisdiction)
                                .bind(day)
                                .bind(node)
                                .bind(tally)
                                .execute(&mut *tx)
                                .await?;
                            }
                            None => {
                                sqlx::query(
                                    "DELETE FROM report_days WHERE jurisdiction_id = $1 AND day = $2 AND node_id = $3",
                                )
                                .bind(jurisdiction)
                                .bind(day)
                                .bind(node)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                    }
                    refreshed += nodes.len();
                }
                tx.commit().await?;
            }
        }

        /// The period's cases of `nodes` counted: whole UTC days from the tallies (which
        /// the caller has refreshed), the hours at the edges from the cases.
        pub async fn report_tally(
            db: &Pools,
            jurisdiction: &JurisdictionId,
            nodes: &[NodeId],
            from: DateTime<Utc>,
            to: DateTime<Utc>,
        ) -> Result<ReportTally> {
            let mut tallies = Tallies::default();
            if nodes.is_empty() {
                return tallies.into_report();
            }
            let ((first, last), edges) = split(micros(from), micros(to));
            if first < last {
                let mut q =
                    sqlx::QueryBuilder::<Db>::new("SELECT node_id, tally FROM report_days WHERE jurisdiction_id = ");
                push_range(&mut q, jurisdiction, "day", (first, last), nodes);
                for row in q.build().fetch_all(&db.read).await? {
                    let node: NodeId = row.try_get("node_id")?;
                    let tally: String = row.try_get("tally")?;
                    let day: DayTally =
                        serde_json::from_str(&tally).map_err(|e| StoreError::Corrupt(format!("tally: {e}")))?;
                    tallies.add_day(&node, day);
                }
            }
            for edge in edges {
                let mut q = sqlx::QueryBuilder::<Db>::new(concat!(
                    "SELECT ",
                    super::reports::case_columns!(),
                    " FROM cases WHERE jurisdiction_id = "
                ));
                push_range(&mut q, jurisdiction, "received_at", edge, nodes);
                for row in q.build().fetch_all(&db.read).await? {
                    tallies.add_case(counted(&row)?.1);
                }
            }
            tallies.into_report()
        }
    };
}
pub(crate) use reports;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn a_period_is_whole_utc_days_and_the_hours_around_them() {
        // Swedish midnight is 23:00 or 22:00 UTC the day before.
        let from = 10 * DAY - 3_600_000_000;
        let to = 20 * DAY - 7_200_000_000;
        assert_eq!(split(from, to), ((10, 19), vec![(from, 10 * DAY), (19 * DAY, to)]));
        assert_eq!(split(10 * DAY, 12 * DAY), ((10, 12), vec![]));
        assert_eq!(split(10 * DAY + 5, 10 * DAY + 9), ((0, 0), vec![(10 * DAY + 5, 10 * DAY + 9)]));
    }
}
