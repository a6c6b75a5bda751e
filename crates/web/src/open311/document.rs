//! One document, two formats (b.1): XML as the specification shows it, and JSON by the
//! "Spark convention" (a container of repeated elements becomes an array, the root container
//! disappears, absent values are `null`, booleans and numbers keep their JSON types).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// Splits `services.json` into `services` and its format.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        if let Some(stem) = file.strip_suffix(".xml") {
            Some((stem, Format::Xml))
        } else {
            file.strip_suffix(".json").map(|stem| (stem, Format::Json))
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// A value in a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text; `None` is an empty element in XML and `null` in JSON.
    Text(Option<String>),
    Bool(bool),
    Int(i64),
    /// A decimal number, e.g. a latitude.
    Number(f64),
    /// Repeated elements named `item` (e.g. `service` in `services`): an array in JSON.
    List {
        item: &'static str,
        items: Vec<Value>,
    },
    /// Named children, in order.
    Object(Vec<(&'static str, Value)>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }

    fn write_xml(&self, name: &str, out: &mut String) {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match self {
            Value::Text(Some(s)) => escape_into(s, out),
            Value::Text(None) => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::List { item, items } => items.iter().for_each(|v| v.write_xml(item, out)),
            Value::Object(fields) => fields.iter().for_each(|(n, v)| v.write_xml(n, out)),
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }

    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Text(s) => s.clone().map_or(J::Null, J::String),
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Number(n) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
            Value::List { items, .. } => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Object(fields) => J::Object(fields.iter().map(|(n, v)| ((*n).to_owned(), v.to_json())).collect()),
        }
    }
}

fn escape_into(s: &str, out: &mut String) {
    // Characters XML 1.0 cannot carry at all are left out rather than breaking the document.
    let carried: String = s.chars().filter(|c| (*c as u32) >= 0x20 || matches!(c, '\t' | '\n' | '\r')).collect();
    out.push_str(&app::markup::escape(&carried));
}

/// The document with root element `root`, as a response in `format`.
pub fn respond(status: StatusCode, format: Format, root: &str, value: &Value) -> Response {
    let body = match format {
        Format::Xml => {
            let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            value.write_xml(root, &mut out);
            out
        }
        Format::Json => value.to_json().to_string(),
    };
    (status, [(header::CONTENT_TYPE, format.content_type())], body).into_response()
}

/// An error document (b.8): 404 when something does not exist, 403 for the API key, 400 for
/// everything else.
pub fn error(status: StatusCode, format: Format, description: &str) -> Response {
    errors(status, format, &[description.to_owned()])
}

/// Every problem at once, each one error in the document (b.8 allows several).
pub fn errors(status: StatusCode, format: Format, descriptions: &[String]) -> Response {
    let items = descriptions
        .iter()
        .map(|d| {
            Value::Object(vec![("code", Value::Int(status.as_u16().into())), ("description", Value::text(d.clone()))])
        })
        .collect();
    respond(status, format, "errors", &Value::List { item: "error", items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        Value::List {
            item: "service",
            items: vec![Value::Object(vec![
                ("service_code", Value::text("gatubelysning")),
                ("description", Value::Text(None)),
                ("metadata", Value::Bool(true)),
                ("name", Value::text("Lampa & stolpe <1>")),
            ])],
        }
    }

    #[test]
    fn xml_has_the_declaration_empty_elements_and_escapes() {
        let mut out = String::new();
        sample().write_xml("services", &mut out);
        assert_eq!(
            out,
            "<services><service><service_code>gatubelysning</service_code><description></description>\
             <metadata>true</metadata><name>Lampa &amp; stolpe &lt;1&gt;</name></service></services>"
        );
    }

    #[test]
    fn json_drops_the_root_and_makes_lists_arrays_even_of_one() {
        assert_eq!(
            sample().to_json().to_string(),
            r#"[{"description":null,"metadata":true,"name":"Lampa & stolpe <1>","service_code":"gatubelysning"}]"#
        );
    }

    #[test]
    fn formats_come_from_the_file_name() {
        assert_eq!(Format::split("services.xml"), Some(("services", Format::Xml)));
        assert_eq!(Format::split("gatubelysning.json"), Some(("gatubelysning", Format::Json)));
        assert_eq!(Format::split("services.html"), None);
    }
}
