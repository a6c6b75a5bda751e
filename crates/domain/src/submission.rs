//! What an inhabitant hands in, and the checks every channel applies to it alike.

use serde::{Deserialize, Serialize};

use crate::kinds::{CaseKind, Channel, ContactMethod, SubmitterRole};

/// Longest description accepted, in characters (also Open311's limit for `description`).
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
const MAX_SHORT_FIELD_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub jurisdiction: crate::ids::JurisdictionId,
    pub kind: CaseKind,
    pub channel: Channel,
    pub category: String,
    pub description: String,
    /// Where it is about, in the citizen's words (an address, a park, a school).
    pub place: Option<String>,
    /// Where it is about, as a point (WGS84), when the citizen gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    pub submitter: Submitter,
    /// The language the citizen used, so that answers come in it ("sv" or "en").
    pub language: String,
    /// Pictures and documents, already checked and stored (see `attachment`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::attachment::Attachment>,
    /// A picture the sender keeps elsewhere (Open311 `media_url`): shown to staff as a link,
    /// never fetched by Lyhörd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Answers to the category's extra questions, already checked against them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<crate::category::Answer>,
}

/// A point on the map in WGS84, kept as millionths of a degree (about 0.1 m) so that it
/// compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub lat_e6: i64,
    pub lon_e6: i64,
}

impl Position {
    /// Reads decimal degrees as people write them ("59.6099", "59,6099"); both or neither.
    /// Refuses points outside Sweden, which no municipality's case can be about.
    pub fn parse(latitude: &str, longitude: &str) -> Result<Option<Position>, FieldError> {
        let (latitude, longitude) = (latitude.trim(), longitude.trim());
        if latitude.is_empty() && longitude.is_empty() {
            return Ok(None);
        }
        let degrees = |text: &str| text.replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite());
        let (Some(lat), Some(lon)) = (degrees(latitude), degrees(longitude)) else {
            return Err(FieldError::new("position", "invalid"));
        };
        if !(55.0..=69.1).contains(&lat) || !(10.5..=24.2).contains(&lon) {
            return Err(FieldError::new("position", "outside_sweden"));
        }
        Ok(Some(Position { lat_e6: (lat * 1e6).round() as i64, lon_e6: (lon * 1e6).round() as i64 }))
    }

    pub fn latitude(self) -> f64 {
        self.lat_e6 as f64 / 1e6
    }

    pub fn longitude(self) -> f64 {
        self.lon_e6 as f64 / 1e6
    }
}

/// Who sent it. Anonymous submissions carry no personal data at all (A5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submitter {
    pub anonymous: bool,
    pub role: Option<SubmitterRole>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
    pub contact_method: Option<ContactMethod>,
}

/// How to reach a person, as corrected on their request (GDPR art. 16).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<String>,
}

impl ContactDetails {
    /// The words the case is found by: a name, an address.
    pub fn search_text(&self) -> String {
        [&self.name, &self.email, &self.phone, &self.postal_address]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl ContactDetails {
    /// What is wrong with the details, as for a submitter who gives them.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        Submitter::default().corrected(self).validate(&mut errors);
        errors
    }
}

impl Submitter {
    /// The submitter with their details corrected: what is given replaces what was, and what
    /// is left out is removed.
    pub fn corrected(&self, contact: &ContactDetails) -> Submitter {
        Submitter {
            anonymous: false,
            name: contact.name.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            postal_address: contact.postal_address.clone(),
            ..self.clone()
        }
    }
}

/// One problem with one field, as a code the web layer turns into a sentence next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

impl FieldError {
    pub const fn new(field: &'static str, code: &'static str) -> Self {
        FieldError { field, code }
    }
}

impl Submission {
    /// A submission with what every one needs (where, what, how, about what, the text), in
    /// Swedish, anonymous, with no place, files or answers; the `with_*` methods add the rest.
    /// What channels, tests, the demo and benchmarks start from.
    pub fn new(jurisdiction: &str, kind: CaseKind, channel: Channel, category: &str, description: &str) -> Submission {
        Submission {
            jurisdiction: jurisdiction.into(),
            kind,
            channel,
            category: category.into(),
            description: description.into(),
            place: None,
            position: None,
            submitter: Submitter::default(),
            language: "sv".into(),
            attachments: Vec::new(),
            media_url: None,
            answers: Vec::new(),
        }
    }

    pub fn with_submitter(mut self, submitter: Submitter) -> Submission {
        self.submitter = submitter;
        self
    }

    pub fn with_place(mut self, place: &str, position: Option<Position>) -> Submission {
        self.place = Some(place.into());
        self.position = position;
        self
    }

    /// What staff search the case by: the text, the place, and who sent it.
    pub fn search_text(&self) -> String {
        let s = &self.submitter;
        // An address is also given as its parts, which some full-text parsers keep whole.
        let email_parts = s.email.as_ref().map(|e| e.replace(['@', '.'], " "));
        [
            Some(&self.description),
            self.place.as_ref(),
            s.name.as_ref(),
            s.email.as_ref(),
            email_parts.as_ref(),
            s.phone.as_ref(),
        ]
        .into_iter()
        .flatten()
        .chain(self.answers.iter().map(|a| &a.value))
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" ")
    }

    /// Every problem at once, so that a form can show them all together (WCAG 3.3.1).
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let description = self.description.trim();
        if description.is_empty() {
            errors.push(FieldError::new("description", "required"));
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new("description", "too_long"));
        }
        if self.category.trim().is_empty() {
            errors.push(FieldError::new("category", "required"));
        }
        if let Some(place) = &self.place
            && place.chars().count() > MAX_SHORT_FIELD_CHARS
        {
            errors.push(FieldError::new("place", "too_long"));
        }
        if let Some(url) = &self.media_url
            && !is_web_address(url)
        {
            errors.push(FieldError::new("media_url", "invalid"));
        }
        self.submitter.validate(&mut errors);
        self.refuse_control_characters(&mut errors);
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// A NUL (or another control character but tab and line breaks) cannot be stored the same
    /// way in both databases and is never meant: it is refused at its field, whatever the
    /// channel, rather than stored differently per backend.
    fn refuse_control_characters(&self, errors: &mut Vec<FieldError>) {
        let s = &self.submitter;
        let fields = [
            ("description", Some(&self.description)),
            ("category", Some(&self.category)),
            ("place", self.place.as_ref()),
            ("media_url", self.media_url.as_ref()),
            ("name", s.name.as_ref()),
            ("email", s.email.as_ref()),
            ("phone", s.phone.as_ref()),
            ("postal_address", s.postal_address.as_ref()),
        ];
        for (field, value) in fields {
            if value.is_some_and(|v| has_control_characters(v)) && !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, CONTROL_CHARACTER));
            }
        }
        if self.answers.iter().any(|a| has_control_characters(&a.value)) {
            errors.push(FieldError::new("answers", CONTROL_CHARACTER));
        }
    }
}

/// The error code for text with a control character in it.
pub const CONTROL_CHARACTER: &str = "control_character";

/// A control character other than tab, line feed and carriage return: never meant as text.
fn is_control_character(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether text holds a control character other than tab, line feed and carriage return.
pub fn has_control_characters(text: &str) -> bool {
    text.chars().any(is_control_character)
}

/// Text as it may be stored when it cannot be refused (e-mail, text stored before the check):
/// every control character becomes the replacement character, so the text shows where one was.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if is_control_character(c) { '\u{FFFD}' } else { c }).collect()
}

impl Submitter {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if self.anonymous {
            for (field, value) in [
                ("name", &self.name),
                ("email", &self.email),
                ("phone", &self.phone),
                ("postal_address", &self.postal_address),
            ] {
                if given(value) {
                    errors.push(FieldError::new(field, "not_with_anonymous"));
                }
            }
            return;
        }
        for (field, value) in [("name", &self.name), ("postal_address", &self.postal_address)] {
            if value.as_deref().is_some_and(|v| v.chars().count() > MAX_SHORT_FIELD_CHARS) {
                errors.push(FieldError::new(field, "too_long"));
            }
        }
        if let Some(email) = self.email.as_deref().filter(|e| !e.trim().is_empty())
            && !is_plausible_email(email)
        {
            errors.push(FieldError::new("email", "invalid"));
        }
        if let Some(phone) = self.phone.as_deref().filter(|p| !p.trim().is_empty())
            && !is_plausible_phone(phone)
        {
            errors.push(FieldError::new("phone", "invalid"));
        }
        let needed = match self.contact_method {
            Some(ContactMethod::Email) => Some(("email", &self.email)),
            Some(ContactMethod::Phone) => Some(("phone", &self.phone)),
            Some(ContactMethod::Letter) => Some(("postal_address", &self.postal_address)),
            Some(ContactMethod::Visit) | None => None,
        };
        if let Some((field, value)) = needed
            && !given(value)
        {
            errors.push(FieldError::new(field, "required_for_contact_method"));
        }
    }

    /// Whether the municipality has any way to answer other than the tracking page.
    pub fn can_be_answered(&self) -> bool {
        !self.anonymous && (self.email.is_some() || self.phone.is_some() || self.postal_address.is_some())
    }
}

/// An http(s) address of reasonable length without spaces or control characters: what a
/// link to someone else's picture may be.
pub fn is_web_address(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && url.len() <= 2000
            && !rest.starts_with('/')
            && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>'))
    })
}

/// A deliberately modest check: one `@`, a dot in the domain, no spaces or line breaks
/// (which would also make header injection impossible, E4).
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        // What an SMTP server takes in an address, unquoted (RFC 5321 dot-atom): no markup,
        // no brackets, no quotes, no commas.
        && !email.chars().any(|c| matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | '\\' | ',' | ';' | ':' | '"'))
}

fn is_plausible_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits) && phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample() -> Submission {
        Submission::new("vasteras", CaseKind::Klagomal, Channel::Web, "park", "Gungan i Vasaparken är trasig.")
            .with_place("Vasaparken", None)
            .with_submitter(Submitter {
                role: Some(SubmitterRole::Invanare),
                email: Some("anna@example.se".into()),
                contact_method: Some(ContactMethod::Email),
                ..Submitter::default()
            })
    }

    #[test]
    fn a_complete_submission_is_valid() {
        assert_eq!(sample().validate(), Ok(()));
    }

    #[test]
    fn a_nul_or_other_control_character_is_refused_at_its_field() {
        let mut s = sample();
        s.description = "a\0b".into();
        s.submitter.email = Some("anna\u{7}@example.se".into());
        let errors = s.validate().unwrap_err();
        assert!(errors.contains(&FieldError::new("description", CONTROL_CHARACTER)), "{errors:?}");
        assert!(errors.iter().any(|e| e.field == "email"), "{errors:?}");
        let mut s = sample();
        s.description = "Rad ett\r\nRad två\tmed tabb".into();
        assert_eq!(s.validate(), Ok(()), "line breaks and tabs are text");
    }

    #[test]
    fn every_problem_is_reported_at_its_field() {
        let mut s = sample();
        s.description = "   ".into();
        s.category = String::new();
        s.submitter.email = Some("anna at example".into());
        s.submitter.phone = Some("call me".into());
        let errors = s.validate().unwrap_err();
        assert_eq!(
            errors,
            vec![
                FieldError::new("description", "required"),
                FieldError::new("category", "required"),
                FieldError::new("email", "invalid"),
                FieldError::new("phone", "invalid"),
            ]
        );
    }

    #[test]
    fn description_limit_counts_characters_not_bytes() {
        let mut s = sample();
        s.description = "ö".repeat(MAX_DESCRIPTION_CHARS);
        assert_eq!(s.validate(), Ok(()));
        s.description.push('ä');
        assert_eq!(s.validate().unwrap_err(), vec![FieldError::new("description", "too_long")]);
    }

    #[test]
    fn anonymous_means_no_personal_data() {
        let mut s = sample();
        s.submitter.anonymous = true;
        assert_eq!(s.validate().unwrap_err(), vec![FieldError::new("email", "not_with_anonymous")]);
        s.submitter = Submitter { anonymous: true, ..Submitter::default() };
        assert_eq!(s.validate(), Ok(()));
        assert!(!s.submitter.can_be_answered());
    }

    #[test]
    fn the_chosen_contact_method_needs_its_detail() {
        let mut s = sample();
        s.submitter.email = None;
        assert_eq!(s.validate().unwrap_err(), vec![FieldError::new("email", "required_for_contact_method")]);
        s.submitter.contact_method = Some(ContactMethod::Letter);
        assert_eq!(s.validate().unwrap_err(), vec![FieldError::new("postal_address", "required_for_contact_method")]);
    }

    #[test]
    fn positions_are_read_as_people_write_them_and_must_be_in_sweden() {
        let vasaparken = Position::parse("59,6099", " 16.5448 ").unwrap().unwrap();
        assert_eq!((vasaparken.lat_e6, vasaparken.lon_e6), (59_609_900, 16_544_800));
        assert_eq!(vasaparken.latitude(), 59.6099);
        assert_eq!(Position::parse("", ""), Ok(None));
        assert_eq!(Position::parse("59.6", ""), Err(FieldError::new("position", "invalid")));
        assert_eq!(Position::parse("norr", "16"), Err(FieldError::new("position", "invalid")));
        assert_eq!(Position::parse("48.85", "2.35"), Err(FieldError::new("position", "outside_sweden")));
        assert_eq!(Position::parse("NaN", "16"), Err(FieldError::new("position", "invalid")));
    }

    #[test]
    fn header_injection_is_not_a_plausible_email() {
        assert!(is_plausible_email("a.b@kommun.se"));
        assert!(!is_plausible_email("a@b.se\r\nBcc: x@y.se"));
        assert!(!is_plausible_email("a@@b.se"));
        assert!(!is_plausible_email("@b.se"));
        assert!(!is_plausible_email("a@se"));
        assert!(!is_plausible_email("<svg/onload=alert(1)>@example.com"), "what a mail server refuses");
        assert!(!is_plausible_email("\"a b\"@example.com"));
    }

    #[test]
    fn a_media_link_must_be_a_web_address() {
        let mut s = sample();
        s.media_url = Some("https://bilder.example/lampa.jpg".into());
        assert_eq!(s.validate(), Ok(()));
        for bad in
            ["file:///etc/passwd", "javascript:alert(1)", "https://", "http:///x", "https://a b", "https://x\r\nBcc: y"]
        {
            s.media_url = Some(bad.into());
            assert_eq!(s.validate(), Err(vec![FieldError::new("media_url", "invalid")]), "{bad}");
        }
    }
}
