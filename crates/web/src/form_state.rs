//! What a page's form shows: the values the person typed (kept when something was wrong) and
//! the problems, each at its field and in the summary at the top (`error_summary.html`).

/// One problem with one field of a form, shown in the summary and at the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormError {
    pub field: &'static str,
    pub message: String,
}

/// A form's values and problems. A field may have several values (checkboxes).
#[derive(Debug, Clone, Default)]
pub(crate) struct FormState {
    values: Vec<(String, String)>,
    pub errors: Vec<FormError>,
}

impl FormState {
    pub fn new(values: impl IntoIterator<Item = (String, String)>, errors: Vec<FormError>) -> FormState {
        FormState { values: values.into_iter().collect(), errors }
    }

    /// A form with problems but no values to show again (its fields have their own).
    pub fn with_errors(errors: Vec<FormError>) -> FormState {
        FormState { values: Vec::new(), errors }
    }

    /// The field's (first) value, or nothing.
    pub fn value(&self, field: &str) -> &str {
        self.values.iter().find(|(k, _)| k == field).map_or("", |(_, v)| v.as_str())
    }

    /// Whether the field has this value among its values (a ticked checkbox, a chosen option).
    pub fn has(&self, field: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == field && v == value)
    }

    /// Replaces the field's values with one.
    pub fn set(&mut self, field: &str, value: impl Into<String>) {
        self.values.retain(|(k, _)| k != field);
        self.values.push((field.to_owned(), value.into()));
    }

    /// The message for the field, if it has one.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    pub fn error(&mut self, field: &'static str, message: String) {
        self.errors.push(FormError { field, message });
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_shows_what_was_typed_and_the_problem_at_its_field() {
        let typed = [("email".to_owned(), "anna@".to_owned()), ("topic".to_owned(), "a".to_owned())];
        let mut form = FormState::new(typed.into_iter().chain([("topic".to_owned(), "b".to_owned())]), Vec::new());
        assert!(!form.has_errors());
        form.error("email", "Skriv en e-postadress".into());
        assert_eq!(form.value("email"), "anna@");
        assert_eq!(form.value("missing"), "");
        assert!(form.has("topic", "b") && !form.has("topic", "c"));
        assert_eq!(form.error_for("email"), Some("Skriv en e-postadress"));
        assert_eq!(form.error_for("topic"), None);
        form.set("topic", "c");
        assert_eq!((form.value("topic"), form.has("topic", "a")), ("c", false));
    }
}
