//! What OSS computes for an object's bytes (spec §1.3): ETag, size, CRC-64, Content-MD5 and,
//! for PNG/JPEG/GIF/WebP images, width, height and format. The rules live in the core
//! ([`oss_edge_core::object`]); image dimensions come from the `imagesize` crate.

use oss_edge_core::callback::params::ImageInfo;
use oss_edge_core::object::{Crc64Ecma, content_md5, etag_multipart, etag_single, md5};
use serde::{Deserialize, Serialize};

/// Image facts, stored with the object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageFacts {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `png`, `jpg`, `gif` or `webp`: the names OSS uses in `${imageInfo.format}` (spec §1.3
    /// gives `jpg` and `png` as examples).
    pub format: String,
}

impl ImageFacts {
    /// As the core's [`ImageInfo`].
    pub fn to_info(&self) -> ImageInfo {
        ImageInfo {
            height: self.height,
            width: self.width,
            format: self.format.clone(),
        }
    }
}

/// The facts of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectFacts {
    /// Size in bytes.
    pub size: u64,
    /// ETag without quotes.
    pub etag: String,
    /// `x-oss-hash-crc64ecma`.
    pub crc64: u64,
    /// `Content-MD5`; empty for multipart objects.
    pub content_md5: String,
    /// Image facts, when the bytes are a PNG, JPEG, GIF or WebP image.
    pub image: Option<ImageFacts>,
}

/// Image facts of `data`, if it is one of the four formats.
pub fn image_facts(data: &[u8]) -> Option<ImageFacts> {
    use imagesize::ImageType;
    let format = match imagesize::image_type(data).ok()? {
        ImageType::Png => "png",
        ImageType::Jpeg => "jpg",
        ImageType::Gif => "gif",
        ImageType::Webp => "webp",
        _ => return None,
    };
    let size = imagesize::blob_size(data).ok()?;
    Some(ImageFacts {
        width: u32::try_from(size.width).ok()?,
        height: u32::try_from(size.height).ok()?,
        format: format.to_owned(),
    })
}

impl ObjectFacts {
    /// Facts of a single-request upload (PutObject, PostObject).
    pub fn single(data: &[u8]) -> Self {
        let digest = md5(data);
        Self {
            size: data.len() as u64,
            etag: etag_single(&digest),
            crc64: Crc64Ecma::checksum(data),
            content_md5: content_md5(&digest),
            image: image_facts(data),
        }
    }

    /// Facts of a multipart upload: `data` is the whole object, `part_md5s` the binary MD5s of
    /// its parts in order.
    pub fn multipart(data: &[u8], part_md5s: &[[u8; 16]]) -> Self {
        Self {
            size: data.len() as u64,
            etag: etag_multipart(part_md5s),
            crc64: Crc64Ecma::checksum(data),
            content_md5: String::new(),
            image: image_facts(data),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gif_header_gives_dimensions() {
        // GIF89a, logical screen 3 x 2.
        let gif = b"GIF89a\x03\x00\x02\x00\x00\x00\x00;";
        let image = image_facts(gif).unwrap();
        assert_eq!(
            (image.width, image.height, image.format.as_str()),
            (3, 2, "gif")
        );
        assert!(image_facts(b"hello").is_none());
        let facts = ObjectFacts::single(b"hello world");
        assert_eq!(facts.etag, "5EB63BBBE01EEED093CB22BB8F5ACDC3");
        assert_eq!(facts.crc64, 5_981_764_153_023_615_706);
    }
}
