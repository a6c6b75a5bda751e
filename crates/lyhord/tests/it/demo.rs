//! The demo data: a believable municipality in every state, with intact records.

use crate::on_both_backends;
use domain::Status;
use std::collections::HashSet;
use store::{InboxQuery, Units};

on_both_backends!(demo_data_is_a_whole_municipality_with_cases_in_every_state, |app| {
    let summary = lyhord::demo::load(&app.store, chrono::Utc::now(), 300).await.unwrap();
    assert_eq!(summary.cases, 300);
    let store = &app.store;
    let tree = store.org_tree(&"vasteras".into()).await.unwrap();
    let namnder = tree.subtree("vasteras").unwrap().iter().filter(|n| n.level == domain::NodeLevel::Namnd).count();
    assert!(namnder >= 5, "kommunstyrelse and several nämnder");
    assert!(tree.subtree("vasteras").unwrap().iter().all(|n| n.manager_name.is_some()), "every node has a manager");
    let categories = store.categories(&"vasteras".into()).await.unwrap();
    assert!((20..=40).contains(&categories.len()));
    let kinds: HashSet<_> = categories
        .iter()
        .flat_map(|c| if c.kinds.is_empty() { domain::CaseKind::ALL.to_vec() } else { c.kinds.clone() })
        .collect();
    assert_eq!(kinds.len(), 6, "every kind can be submitted");
    assert_eq!(store.count_cases(&"vasteras".into()).await.unwrap(), 300);

    // Every case, found by its number: consecutive from 1 within each year.
    let this_year = domain::time::case_year(chrono::Utc::now());
    let mut cases = Vec::new();
    for year in [this_year - 1, this_year] {
        for serial in 1.. {
            match store.case_by_number(&"vasteras".into(), &format!("{year}-{serial:06}")).await.unwrap() {
                Some(case) => cases.push(case),
                None => break,
            }
        }
    }
    assert_eq!(cases.len(), 300, "no gaps in the numbering");
    let mut statuses = HashSet::new();
    for case in &cases {
        statuses.insert(case.status);
        store.verify(case.id).await.unwrap();
        assert!(case.received_at <= chrono::Utc::now());
    }
    assert_eq!(statuses.len(), Status::ALL.len(), "cases in every state: {statuses:?}");
    let open = store.inbox(&InboxQuery::new(&"vasteras".into(), Units::All, 1000)).await.unwrap();
    assert_eq!(open.len(), cases.iter().filter(|c| c.status != Status::Closed).count());
    assert!(open.windows(2).all(|w| w[0].due_at.is_some() || w[1].due_at.is_none()), "cases without a clock last");
});

on_both_backends!(demo_data_is_never_loaded_twice, |app| {
    lyhord::demo::load(&app.store, chrono::Utc::now(), 3).await.unwrap();
    let again = lyhord::demo::load(&app.store, chrono::Utc::now(), 3).await.unwrap_err();
    assert!(matches!(again, lyhord::demo::DemoError::NotEmpty));
    assert_eq!(app.store.count_cases(&"vasteras".into()).await.unwrap(), 3);
});
