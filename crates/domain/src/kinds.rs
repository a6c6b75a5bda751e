//! The vocabularies a case is described with: what it is, how it came in, who sent it.

/// Defines a closed vocabulary with a stable machine code (used in storage, URLs and the
/// API) and its Swedish and English names (used on pages and in reports). Every code list of
/// Lyhörd is one (the crates above use it as `domain::vocabulary!`). Serde writes the variant
/// in snake case, as stored events always have, which for most is the code.
#[macro_export]
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal, $sv:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in URLs and APIs.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn name_sv(self) -> &'static str {
                match self { $($name::$variant => $sv),+ }
            }

            pub fn name_en(self) -> &'static str {
                match self { $($name::$variant => $en),+ }
            }

            /// The name in the given language ("sv" or "en"; anything else gives Swedish).
            pub fn name(self, lang: &str) -> &'static str {
                if lang == "en" { self.name_en() } else { self.name_sv() }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::kinds::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::kinds::UnknownCode { vocabulary: stringify!($name), code: other.to_owned() }),
                }
            }
        }
    };
}

/// A code that is not part of a vocabulary, e.g. `kind=complaint` instead of `klagomal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} code {code:?}")]
pub struct UnknownCode {
    pub vocabulary: &'static str,
    pub code: String,
}

vocabulary! {
    /// What the inhabitant is telling the municipality (glossary: synpunkt, klagomål, …).
    CaseKind {
        Synpunkt => "synpunkt", "Synpunkt", "Feedback";
        Klagomal => "klagomal", "Klagomål", "Complaint";
        Berom => "berom", "Beröm", "Praise";
        Ide => "ide", "Idé eller förslag", "Idea or suggestion";
        Fraga => "fraga", "Fråga", "Question";
        Felanmalan => "felanmalan", "Felanmälan", "Fault report";
    }
}

vocabulary! {
    /// How a submission reached the municipality (V-S1: many ways in).
    Channel {
        Web => "web", "Webbformulär", "Web form";
        Email => "email", "E-post", "E-mail";
        Phone => "phone", "Telefon", "Phone";
        PhoneMessage => "phone_message", "Telefonmeddelande eller röstbrevlåda", "Phone message or voicemail";
        Visit => "visit", "Besök", "Visit";
        Letter => "letter", "Brev eller pappersblankett", "Letter or paper form";
        Api => "api", "Open311-API", "Open311 API";
    }
}

vocabulary! {
    /// Who the submitter is in relation to the service (V-D7 keeps kund and invånare apart).
    SubmitterRole {
        Kund => "kund", "Kund (använder tjänsten)", "Customer (uses the service)";
        Invanare => "invanare", "Invånare", "Inhabitant";
        Foretag => "foretag", "Företag eller organisation", "Business or organisation";
        Other => "other", "Annat", "Other";
    }
}

vocabulary! {
    /// How the submitter wants to be contacted.
    ContactMethod {
        Email => "email", "E-post", "E-mail";
        Phone => "phone", "Telefonsamtal", "Phone call";
        Letter => "letter", "Brev", "Letter";
        Visit => "visit", "Besök", "Visit";
    }
}

vocabulary! {
    /// Whether a complaint was justified, as its handler assessed it (S8).
    Justified {
        Befogat => "befogat", "Befogat", "Justified";
        Delvis => "delvis", "Delvis befogat", "Partly justified";
        Obefogat => "obefogat", "Obefogat", "Not justified";
        EjBedomt => "ej_bedomt", "Ej bedömt", "Not assessed";
    }
}

vocabulary! {
    /// Where an improvement action (förbättringsåtgärd) stands.
    ImprovementStatus {
        Planned => "planned", "Planerad", "Planned";
        Ongoing => "ongoing", "Pågår", "Ongoing";
        Done => "done", "Genomförd", "Done";
        Cancelled => "cancelled", "Avbruten", "Cancelled";
    }
}

vocabulary! {
    /// The follow-up of a finished improvement action: did it work?
    Worked {
        Yes => "yes", "Ja", "Yes";
        Partly => "partly", "Delvis", "Partly";
        No => "no", "Nej", "No";
    }
}

vocabulary! {
    /// The participation ladder (V-D6): how much a dialogue lets inhabitants decide.
    Ladder {
        Information => "information", "Information", "Information";
        Konsultation => "konsultation", "Konsultation", "Consultation";
        Dialog => "dialog", "Dialog", "Dialogue";
        Inflytande => "inflytande", "Inflytande", "Influence";
        Medbestammande => "medbestammande", "Medbestämmande", "Co-decision";
    }
}

vocabulary! {
    /// How a dialogue hears people.
    DialogueMethod {
        WebSurvey => "web_survey", "Webbenkät", "Web survey";
        Comments => "comments", "Kommentarer och förslag på webben", "Comments and proposals on the web";
        Meeting => "meeting", "Möte", "Meeting";
        Walk => "walk", "Vandring på plats", "Walk on site";
        FocusGroup => "focus_group", "Fokusgrupp", "Focus group";
    }
}

vocabulary! {
    /// A question in a dialogue's questionnaire.
    QuestionKind {
        Single => "single", "Ett svarsalternativ", "Single choice";
        Multiple => "multiple", "Flera svarsalternativ", "Multiple choice";
        Scale => "scale", "Skala 1–5", "Scale 1–5";
        Text => "text", "Fritt svar", "Free text";
    }
}

vocabulary! {
    /// What a participant contributes besides answers.
    ContributionKind {
        Comment => "comment", "Synpunkt", "Comment";
        Proposal => "proposal", "Förslag", "Proposal";
    }
}

vocabulary! {
    /// How a viewpoint was considered in the decision (V-D5).
    Consideration {
        Beaktad => "beaktad", "Beaktad", "Taken into account";
        Delvis => "delvis_beaktad", "Delvis beaktad", "Partly taken into account";
        EjBeaktad => "ej_beaktad", "Ej beaktad", "Not taken into account";
    }
}

vocabulary! {
    /// Gender, as participants choose to say it (population tables have women and men).
    Gender {
        Kvinna => "kvinna", "Kvinna", "Woman";
        Man => "man", "Man", "Man";
        Annat => "annat", "Annat", "Other";
    }
}

vocabulary! {
    /// Age bands, each a whole number of SCB's five-year groups.
    AgeBand {
        Under20 => "0-19", "Under 20 år", "Under 20";
        From20 => "20-29", "20–29 år", "20–29";
        From30 => "30-44", "30–44 år", "30–44";
        From45 => "45-64", "45–64 år", "45–64";
        From65 => "65-79", "65–79 år", "65–79";
        From80 => "80-", "80 år eller äldre", "80 or older";
    }
}

vocabulary! {
    /// Born in Sweden or abroad: the proxy for background the policy asks about (V-D2).
    Born {
        Sverige => "sverige", "Född i Sverige", "Born in Sweden";
        Utomlands => "utomlands", "Född utomlands", "Born abroad";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_names_exist() {
        for kind in CaseKind::ALL {
            assert_eq!(kind.code().parse::<CaseKind>().unwrap(), *kind);
            assert!(!kind.name_sv().is_empty() && !kind.name_en().is_empty());
        }
        for channel in Channel::ALL {
            assert_eq!(channel.code().parse::<Channel>().unwrap(), *channel);
        }
        for role in SubmitterRole::ALL {
            assert_eq!(role.code().parse::<SubmitterRole>().unwrap(), *role);
        }
    }

    #[test]
    fn the_six_kinds_and_six_channels_of_the_policies_exist() {
        assert_eq!(CaseKind::ALL.len(), 6);
        assert_eq!(Channel::ALL.len(), 7);
        assert_eq!(CaseKind::Klagomal.name("sv"), "Klagomål");
        assert_eq!(CaseKind::Klagomal.name("en"), "Complaint");
    }

    #[test]
    fn unknown_code_is_a_clear_error() {
        let err = "complaint".parse::<CaseKind>().unwrap_err();
        assert_eq!(err.to_string(), "unknown CaseKind code \"complaint\"");
    }

    #[test]
    fn serde_uses_the_stable_codes() {
        assert_eq!(serde_json::to_string(&CaseKind::Felanmalan).unwrap(), "\"felanmalan\"");
        assert_eq!(serde_json::from_str::<Channel>("\"email\"").unwrap(), Channel::Email);
    }
}
