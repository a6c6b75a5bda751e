//! Citizen dialogues' work that is not a page: feedback to the participants after the decision.

pub mod feedback;
