//! Files citizens attach: only images and PDF, recognised by their content (never by their
//! name), and images stripped of metadata that can reveal where and when they were taken (E3).

use serde::{Deserialize, Serialize};

/// Most files per submission or message.
pub const MAX_FILES: usize = 5;
/// Largest file accepted, in bytes (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// A stored file as the case refers to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// SHA-256 of the stored bytes, hex: the file's name in storage.
    pub sha256: String,
    /// The name the citizen's file had, made safe for display and download.
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Pdf,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Pdf => "application/pdf",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("only pictures (JPEG, PNG) and PDF documents can be attached")]
    WrongType,
    #[error("a file can be at most 10 MB")]
    TooLarge,
    #[error("the picture is damaged and cannot be read")]
    Damaged,
}

/// What the bytes are, from their first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Checks a file and returns the bytes to store: images without their metadata segments
/// (EXIF with GPS position, XMP, IPTC, comments, text chunks), PDF unchanged.
pub fn prepare(bytes: &[u8]) -> Result<(Kind, Vec<u8>), AttachmentError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AttachmentError::TooLarge);
    }
    let kind = sniff(bytes).ok_or(AttachmentError::WrongType)?;
    let stored = match kind {
        Kind::Jpeg => strip_jpeg(bytes)?,
        Kind::Png => strip_png(bytes)?,
        Kind::Pdf => bytes.to_vec(),
    };
    Ok((kind, stored))
}

/// A file name safe to show and to offer for download: no path, no control characters.
pub fn safe_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        let extension = match kind {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Pdf => "pdf",
        };
        format!("bilaga.{extension}")
    } else {
        cleaned
    }
}

/// Copies a JPEG without APP1 (EXIF, XMP), APP13 (IPTC) and comment segments.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut i = 2;
    loop {
        if i + 4 > bytes.len() || bytes[i] != 0xFF {
            return Err(AttachmentError::Damaged);
        }
        let marker = bytes[i + 1];
        // Start of scan: the image data follows to the end; copy it as it is.
        if marker == 0xDA {
            out.extend_from_slice(&bytes[i..]);
            return Ok(out);
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = i + 2 + length;
        if length < 2 || end > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        if !matches!(marker, 0xE1 | 0xED | 0xFE) {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
    }
}

/// Copies a PNG without eXIf and text chunks.
fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut i = 8;
    while i < bytes.len() {
        if i + 12 > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let length = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let end = i + 12 + length;
        if end > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let kind = &bytes[i + 4..i + 8];
        if !matches!(kind, b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt") {
            out.extend_from_slice(&bytes[i..end]);
        }
        i = end;
    }
    Ok(out)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A small JPEG: JFIF header, an EXIF segment with a GPS position, a comment, image data.
    pub fn jpeg_with_gps() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        let exif = b"Exif\0\0GPSLatitude 59.6099 GPSLongitude 16.5448";
        b.extend_from_slice(&[0xFF, 0xE1]);
        b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(exif);
        let comment = b"taken at home";
        b.extend_from_slice(&[0xFF, 0xFE]);
        b.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
        b.extend_from_slice(comment);
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
        b
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_jpeg_loses_its_position_but_keeps_its_picture() {
        let original = jpeg_with_gps();
        let (kind, stored) = prepare(&original).unwrap();
        assert_eq!(kind, Kind::Jpeg);
        assert!(contains(&original, b"GPSLatitude") && !contains(&stored, b"GPSLatitude"));
        assert!(!contains(&stored, b"taken at home"));
        assert!(contains(&stored, b"JFIF"));
        assert!(stored.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]));
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Location\0Vasaparken"));
        png.extend(chunk(b"eXIf", b"GPS"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let (kind, stored) = prepare(&png).unwrap();
        assert_eq!(kind, Kind::Png);
        assert!(!contains(&stored, b"Vasaparken") && !contains(&stored, b"eXIf"));
        assert!(contains(&stored, b"IDAT") && contains(&stored, b"IEND"));
    }

    #[test]
    fn type_comes_from_content_not_from_the_name() {
        assert_eq!(prepare(b"MZ\x90\0 not a picture").unwrap_err(), AttachmentError::WrongType);
        assert_eq!(prepare(b"<svg onload=alert(1)>").unwrap_err(), AttachmentError::WrongType);
        assert_eq!(prepare(b"%PDF-1.7\n...").unwrap().0, Kind::Pdf);
        assert_eq!(prepare(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]).unwrap_err(), AttachmentError::Damaged);
        let mut huge = b"%PDF-".to_vec();
        huge.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(prepare(&huge).unwrap_err(), AttachmentError::TooLarge);
    }

    #[test]
    fn names_are_made_safe() {
        assert_eq!(safe_name("../../etc/passwd", Kind::Pdf), "passwd");
        assert_eq!(safe_name("C:\\Users\\anna\\gunga.jpg", Kind::Jpeg), "gunga.jpg");
        assert_eq!(safe_name("\"><script>.png", Kind::Png), "script.png");
        assert_eq!(safe_name("", Kind::Pdf), "bilaga.pdf");
        assert_eq!(safe_name(".htaccess", Kind::Pdf), "htaccess");
    }
}
