//! The lifecycle of a case: received → triaged → assigned → in progress → (waiting for the
//! citizen) → answered → closed, with reopening. Every other move is a typed error.

crate::vocabulary! {
    Status {
        Received => "received", "Mottaget", "Received";
        Triaged => "triaged", "Sorterat", "Triaged";
        Assigned => "assigned", "Tilldelat", "Assigned";
        InProgress => "in_progress", "Under handläggning", "In progress";
        WaitingForCitizen => "waiting_for_citizen", "Väntar på komplettering", "Waiting for the citizen";
        Answered => "answered", "Besvarat", "Answered";
        Closed => "closed", "Avslutat", "Closed";
    }
}

/// A move the lifecycle does not allow, e.g. closing a case nobody has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a case cannot go from {from} to {to}")]
pub struct IllegalTransition {
    pub from: Status,
    pub to: Status,
}

impl Status {
    pub fn is_open(self) -> bool {
        self != Status::Closed
    }

    /// Whether the lifecycle allows going from `self` to `to`.
    ///
    /// Triage may be skipped (routing by category assigns directly), an answer can be given
    /// as soon as someone is assigned, a citizen who is not satisfied brings an answered case
    /// back into progress, the handler may ask the citizen for more before starting, and a
    /// closed case is only ever reopened into progress. (A case sent to another authority
    /// ends there: see `CaseState::apply`.)
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        matches!(
            (self, to),
            (Received, Triaged)
                | (Received, Assigned)
                | (Triaged, Assigned)
                | (Assigned, InProgress)
                | (Assigned, Answered)
                | (Assigned, WaitingForCitizen)
                | (InProgress, WaitingForCitizen)
                | (InProgress, Answered)
                | (WaitingForCitizen, InProgress)
                | (WaitingForCitizen, Answered)
                | (Answered, InProgress)
                | (Answered, Closed)
                | (Closed, InProgress)
        )
    }

    pub fn become_(self, to: Status) -> Result<Status, IllegalTransition> {
        if self.can_become(to) { Ok(to) } else { Err(IllegalTransition { from: self, to }) }
    }
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn the_main_path_is_allowed() {
        let path = [Received, Triaged, Assigned, InProgress, WaitingForCitizen, InProgress, Answered, Closed];
        for pair in path.windows(2) {
            assert_eq!(pair[0].become_(pair[1]), Ok(pair[1]), "{} → {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn reopening_a_closed_case_goes_back_into_progress() {
        assert_eq!(Closed.become_(InProgress), Ok(InProgress));
    }

    #[test]
    fn illegal_transitions_are_typed_errors() {
        for (from, to) in [
            (Received, Closed),
            (Received, Answered),
            (Received, InProgress),
            (Triaged, Answered),
            (WaitingForCitizen, Closed),
            (Closed, Answered),
            (Closed, Closed),
            (Closed, Received),
            (Answered, Received),
        ] {
            let err = from.become_(to).unwrap_err();
            assert_eq!(err, IllegalTransition { from, to });
        }
        assert_eq!(Received.become_(Closed).unwrap_err().to_string(), "a case cannot go from received to closed");
    }

    #[test]
    fn nothing_goes_back_to_received_and_only_answered_cases_close() {
        for from in Status::ALL {
            assert!(!from.can_become(Received));
            assert_eq!(from.can_become(Closed), *from == Answered);
        }
    }

    #[test]
    fn codes_round_trip() {
        for status in Status::ALL {
            assert_eq!(status.code().parse::<Status>().unwrap(), *status);
        }
    }
}
