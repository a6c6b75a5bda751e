//! The pictures sent with a request through Open311, at the `media_url` the documents give.
//! Only pictures (their metadata removed when they were received) of requests sent through
//! Open311 in public categories: a client that sends a picture with a request publishes it,
//! as FixMyStreet does; files sent any other way stay with staff.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::attachment::Attachment;

use super::document::{Format, error};
use super::internal;
use crate::AppState;
use app::files::FileStore;

fn extension(attachment: &Attachment) -> Option<&'static str> {
    match attachment.content_type.as_str() {
        "image/jpeg" => Some("jpg"),
        "image/png" => Some("png"),
        _ => None,
    }
}

/// The pictures of a public case that anyone may see, numbered from 1 as the files were sent.
pub(super) fn public_media(case: &store::PublicCase) -> impl Iterator<Item = (usize, &Attachment)> {
    let published = case.publication.as_ref().is_some_and(|p| p.pictures);
    case.attachments
        .iter()
        .enumerate()
        .filter(move |(_, a)| published && extension(a).is_some())
        .map(|(i, a)| (i + 1, a))
}

pub(super) fn media_url(
    base: &str,
    jurisdiction: &domain::JurisdictionId,
    number: &str,
    n: usize,
    attachment: &Attachment,
) -> String {
    format!("{base}/open311/v2/media/{jurisdiction}/{number}/{n}.{}", extension(attachment).unwrap_or("bin"))
}

/// `media/{jurisdiction}/{number}/{n}.{jpg,png}`: 404 for anything not public, like a request
/// that does not exist.
pub(super) async fn media(
    State(state): State<AppState>,
    Path((jurisdiction, number, file)): Path<(domain::JurisdictionId, String, String)>,
) -> Response {
    let not_found = || error(StatusCode::NOT_FOUND, Format::Xml, "media not found");
    if state.config.open311_public_reads == app::PublicReads::Off {
        return not_found();
    }
    let Some(n) = file.split_once('.').and_then(|(n, _)| n.parse::<usize>().ok()) else {
        return not_found();
    };
    let query =
        store::PublicQuery { jurisdiction, numbers: Some(vec![number]), limit: 1, ..store::PublicQuery::default() };
    let cases = match state.store.public_cases(&query).await {
        Ok(cases) => cases,
        Err(e) => return internal(Format::Xml, e),
    };
    let found = cases.first().and_then(|case| {
        public_media(case).find(|(i, a)| *i == n && file == format!("{i}.{}", extension(a).unwrap_or_default()))
    });
    let Some((_, attachment)) = found else {
        return not_found();
    };
    let files = FileStore::new(&state.config.attachments_dir);
    let sha256 = attachment.sha256.clone();
    match tokio::task::spawn_blocking(move || files.get(&sha256)).await {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, attachment.content_type.clone()),
                (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => internal(Format::Xml, e),
        Err(e) => internal(Format::Xml, e),
    }
}
