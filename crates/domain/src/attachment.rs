//! Files citizens attach: only images and PDF, recognised by their content (never by their
//! name), and images stripped of metadata that can reveal where and when they were taken (E3).

use serde::{Deserialize, Serialize};

/// Most files per submission or message.
pub const MAX_FILES: usize = 5;
/// Largest file accepted, in bytes (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest picture accepted, in pixels (50 megapixels, more than a phone takes): a small file
/// that unpacks into gigabytes in a viewer is refused.
pub const MAX_PIXELS: u64 = 50_000_000;

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
    #[error("the picture is larger than 50 megapixels")]
    TooManyPixels,
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

/// Checks a file and returns the bytes to store: images cut at the end of their first picture
/// (a second picture or a motion photo appended after it goes) and without any metadata
/// (EXIF with its GPS position, XMP, IPTC, MPF, comments, text chunks: only what drawing the
/// picture needs stays); PDF unchanged (PDFs are only ever offered as downloads, never shown
/// in the browser). Truncated pictures and pictures over [`MAX_PIXELS`] are refused.
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

fn within_limit(width: u64, height: u64) -> Result<(), AttachmentError> {
    match width.checked_mul(height) {
        Some(0) | None => Err(AttachmentError::Damaged),
        Some(pixels) if pixels > MAX_PIXELS => Err(AttachmentError::TooManyPixels),
        Some(_) => Ok(()),
    }
}

/// Copies a JPEG's first picture: its tables, frame and scans up to its end marker, keeping of
/// the application segments only JFIF (APP0), an ICC colour profile (APP2) and Adobe's colour
/// transform (APP14). Everything else (EXIF and XMP in APP1, MPF's further pictures in APP2,
/// IPTC, comments) and everything after the end marker is left out.
fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut i = 2;
    let mut framed = false;
    loop {
        if i + 2 > bytes.len() || bytes[i] != 0xFF {
            return Err(AttachmentError::Damaged);
        }
        let marker = bytes[i + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => {
                i += 1;
                continue;
            }
            // The end of the first picture: nothing after it is kept.
            0xD9 if framed => {
                out.extend_from_slice(&bytes[i..i + 2]);
                return Ok(out);
            }
            0xD9 | 0x01 | 0xD0..=0xD8 => return Err(AttachmentError::Damaged),
            _ => {}
        }
        if i + 4 > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        let end = i + 2 + length;
        if length < 2 || end > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let segment = &bytes[i..end];
        // A frame header (SOF0-SOF15, not DHT, JPG or DAC) says the picture's size.
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            if length < 8 {
                return Err(AttachmentError::Damaged);
            }
            let height = u64::from(u16::from_be_bytes([segment[5], segment[6]]));
            let width = u64::from(u16::from_be_bytes([segment[7], segment[8]]));
            within_limit(width, height)?;
            framed = true;
        }
        let kept = match marker {
            0xE0 | 0xEE => true,
            0xE2 => segment[4..].starts_with(b"ICC_PROFILE\0"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if kept {
            out.extend_from_slice(segment);
        }
        i = end;
        if marker == 0xDA {
            if !framed {
                return Err(AttachmentError::Damaged);
            }
            // Entropy-coded data: up to the next marker that is not stuffing (FF 00), a
            // restart (FF D0-D7) or fill (FF FF).
            let start = i;
            loop {
                if i + 1 >= bytes.len() {
                    return Err(AttachmentError::Damaged);
                }
                if bytes[i] == 0xFF && !matches!(bytes[i + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
                    break;
                }
                i += 1;
            }
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

/// PNG chunks needed to draw the picture as it was meant (size, palette, data, transparency,
/// colour and gamma, pixel size, background); any other chunk is left out.
const PNG_KEPT: [&[u8; 4]; 12] =
    [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"pHYs", b"bKGD"];

/// Copies a PNG's drawing chunks up to its end chunk; text, EXIF, time, animation and any
/// unknown chunk, and everything after IEND, are left out.
fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, AttachmentError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..8]);
    let mut i = 8;
    loop {
        if i + 12 > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let length = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let end = i.checked_add(12 + length).ok_or(AttachmentError::Damaged)?;
        if end > bytes.len() {
            return Err(AttachmentError::Damaged);
        }
        let kind = &bytes[i + 4..i + 8];
        if i == 8 {
            if kind != b"IHDR" || length < 8 {
                return Err(AttachmentError::Damaged);
            }
            let width = u64::from(u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]));
            let height = u64::from(u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]));
            within_limit(width, height)?;
        }
        if PNG_KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(&bytes[i..end]);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        i = end;
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    fn segment(marker: u8, data: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(data);
        s
    }

    /// A frame header (SOF0) of a picture `width` × `height`.
    fn frame(width: u16, height: u16) -> Vec<u8> {
        let mut data = vec![8];
        data.extend_from_slice(&height.to_be_bytes());
        data.extend_from_slice(&width.to_be_bytes());
        data.extend_from_slice(&[1, 1, 0x11, 0]);
        segment(0xC0, &data)
    }

    /// A small JPEG: JFIF header, an EXIF segment with a GPS position, a comment, a frame and
    /// image data (with a stuffed FF 00 and a restart marker).
    pub fn jpeg_with_gps() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        b.extend(segment(0xE0, &[b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]));
        b.extend(segment(0xE1, b"Exif\0\0GPSLatitude 59.6099 GPSLongitude 16.5448"));
        b.extend(segment(0xFE, b"taken at home"));
        b.extend(frame(16, 16));
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0x00, 0x22, 0xFF, 0xD0, 0x33, 0xFF, 0xD9]);
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
        assert!(stored.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0xFF, 0x00, 0x22, 0xFF, 0xD0, 0x33, 0xFF, 0xD9]));
    }

    #[test]
    fn a_jpeg_keeps_its_first_picture_only_and_its_colour_profile() {
        // A phone's shapes: an MPF index of further pictures, and a second picture (with its
        // own position) or a motion photo appended after the first one's end.
        let mut shaped = jpeg_with_gps();
        let mut extras = segment(0xE2, b"ICC_PROFILE\0\x01\x01colours");
        extras.extend(segment(0xE2, b"MPF\0II*\0 second picture at offset"));
        shaped.splice(2..2, extras);
        shaped.extend(jpeg_with_gps());
        shaped.extend_from_slice(b"ftypmp42 motion photo");
        let (_, stored) = prepare(&shaped).unwrap();
        assert!(contains(&stored, b"ICC_PROFILE"), "the colours stay");
        for gone in [&b"MPF\0"[..], b"GPSLatitude", b"motion photo"] {
            assert!(!contains(&stored, gone), "{:?} is kept", String::from_utf8_lossy(gone));
        }
        assert_eq!(stored.windows(2).filter(|w| w == &[0xFF, 0xD8]).count(), 1, "one picture");
        assert!(stored.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn truncated_and_huge_pictures_are_refused() {
        let whole = jpeg_with_gps();
        assert_eq!(prepare(&whole[..whole.len() - 2]).unwrap_err(), AttachmentError::Damaged, "no end marker");
        let mut no_frame = whole.clone();
        let at = no_frame.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        no_frame.drain(at..at + 13);
        assert_eq!(prepare(&no_frame).unwrap_err(), AttachmentError::Damaged, "no frame");
        let mut huge = whole.clone();
        huge.splice(at..at + 13, frame(10_000, 10_000));
        assert_eq!(prepare(&huge).unwrap_err(), AttachmentError::TooManyPixels);
        let mut ihdr = 30_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&30_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        bomb.extend(png_chunk(b"IHDR", &ihdr));
        bomb.extend(png_chunk(b"IDAT", &[0; 64]));
        bomb.extend(png_chunk(b"IEND", &[]));
        assert_eq!(prepare(&bomb).unwrap_err(), AttachmentError::TooManyPixels);
    }

    fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    #[test]
    fn a_png_keeps_only_what_draws_it() {
        let mut ihdr = 2u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&2u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &ihdr));
        png.extend(png_chunk(b"tEXt", b"Location\0Vasaparken"));
        png.extend(png_chunk(b"eXIf", b"GPS"));
        png.extend(png_chunk(b"tIME", &[7; 7]));
        png.extend(png_chunk(b"caBX", b"content credentials"));
        png.extend(png_chunk(b"sRGB", &[0]));
        png.extend(png_chunk(b"IDAT", &[1, 2, 3]));
        png.extend(png_chunk(b"IEND", &[]));
        let mut trailing = png.clone();
        trailing.extend_from_slice(b"a second picture with GPS");
        let (kind, stored) = prepare(&trailing).unwrap();
        assert_eq!(kind, Kind::Png);
        for gone in [&b"Vasaparken"[..], b"eXIf", b"tIME", b"credentials", b"second picture"] {
            assert!(!contains(&stored, gone), "{:?} is kept", String::from_utf8_lossy(gone));
        }
        assert!(contains(&stored, b"sRGB") && contains(&stored, b"IDAT") && stored.ends_with(&png[png.len() - 12..]));
        assert_eq!(prepare(&png[..png.len() - 12]).unwrap_err(), AttachmentError::Damaged, "no IEND");
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
