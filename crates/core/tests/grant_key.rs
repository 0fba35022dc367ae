//! Object keys: hostile file names, extensions, templates and the key directory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking

use oss_edge_core::grant::key::{
    DEFAULT_KEY_TEMPLATE, FileName, FileNameError, KeyTemplate, KeyValues, TemplateError,
};

const NOW: i64 = 1_700_000_000; // 2023-11-14

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn hostile_file_names_are_refused() {
    let cases: &[(&str, FileNameError)] = &[
        ("", FileNameError::Empty),
        ("   ", FileNameError::Empty),
        ("..", FileNameError::Path),
        (".", FileNameError::Path),
        ("../../etc/passwd", FileNameError::Path),
        ("/etc/passwd", FileNameError::Path),
        ("a/../../b.png", FileNameError::Path),
        ("dir/a.png", FileNameError::Path),
        ("..\\..\\windows\\win.ini", FileNameError::Path),
        ("C:\\x.png", FileNameError::Path),
        ("C:x.png", FileNameError::Path),
        ("a\0.png", FileNameError::ControlCharacter),
        ("a\n.png", FileNameError::ControlCharacter),
        ("a\u{7f}.png", FileNameError::ControlCharacter),
        ("a\u{85}.png", FileNameError::ControlCharacter),
    ];
    for (name, want) in cases {
        assert_eq!(FileName::parse(name).unwrap_err(), *want, "{name:?}");
    }
    assert_eq!(
        FileName::parse(&"a".repeat(256)).unwrap_err(),
        FileNameError::TooLong { len: 256 }
    );
    assert!(FileName::parse(&"a".repeat(255)).is_ok());
    assert_eq!(FileNameError::Path.code(), "filename_is_path");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn extensions_and_stems_are_safe() {
    let f = FileName::parse("Holiday Photo.JPG").unwrap();
    assert_eq!(f.extension(), Some("jpg"));
    assert_eq!(f.dotted_extension(), ".jpg");
    assert_eq!(f.safe_stem(), "Holiday_Photo");
    assert_eq!(
        FileName::parse("archive.tar.gz").unwrap().extension(),
        Some("gz")
    );
    assert_eq!(FileName::parse(".bashrc").unwrap().extension(), None);
    assert_eq!(FileName::parse("noext").unwrap().extension(), None);
    assert_eq!(FileName::parse("x.p%ng").unwrap().extension(), None);
    assert_eq!(FileName::parse("x.ph p").unwrap().extension(), None);
    assert_eq!(
        FileName::parse(&format!("x.{}", "a".repeat(17)))
            .unwrap()
            .extension(),
        None
    );
    assert_eq!(FileName::parse("写真.png").unwrap().safe_stem(), "file");
    assert_eq!(FileName::parse("...png").unwrap().safe_stem(), "file");
    assert!(FileName::parse(&"é".repeat(100)).unwrap().safe_stem().len() <= 64);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn templates_render_and_confine() {
    let t = KeyTemplate::parse(DEFAULT_KEY_TEMPLATE).unwrap();
    let file = FileName::parse("a.PNG").unwrap();
    let values = KeyValues {
        subject: "alice",
        grant_id: "0f0f",
        file: Some(&file),
        now: NOW,
    };
    assert_eq!(t.render(&values), "uploads/20231114/alice/0f0f.png");
    assert_eq!(t.directory("alice", NOW), "uploads/20231114/alice/");

    let dated =
        KeyTemplate::parse("u/{subject}/{yyyy}/{mm}/{dd}/{grant_id}-{filename}{ext}").unwrap();
    assert_eq!(dated.render(&values), "u/alice/2023/11/14/0f0f-a.png");
    assert_eq!(dated.directory("alice", NOW), "u/alice/2023/11/14/");

    assert_eq!(
        KeyTemplate::parse("uploads/{subject}/x").unwrap_err(),
        TemplateError::MissingGrantId
    );
    assert_eq!(
        KeyTemplate::parse("u/{subject}/{filename}/{grant_id}").unwrap_err(),
        TemplateError::ClientPartInPrefix
    );
    for unsafe_template in [
        "/abs/{grant_id}",
        "a//{grant_id}",
        "a/../{grant_id}",
        "a\\{grant_id}",
    ] {
        assert_eq!(
            KeyTemplate::parse(unsafe_template).unwrap_err(),
            TemplateError::UnsafePath,
            "{unsafe_template}"
        );
    }
    assert!(matches!(
        KeyTemplate::parse("a/{user}/{subject}/{grant_id}"),
        Err(TemplateError::UnknownPlaceholder(_))
    ));
    assert!(matches!(
        KeyTemplate::parse("a/{subject}/{grant_id"),
        Err(TemplateError::UnknownPlaceholder(_))
    ));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn templates_that_let_one_user_cover_another_are_refused() {
    for (template, want) in [
        (
            "u/{subject}-{grant_id}",
            TemplateError::SubjectNotWholeSegment,
        ),
        (
            "u/x{subject}/{grant_id}",
            TemplateError::SubjectNotWholeSegment,
        ),
        (
            "u/{yyyy}{subject}/{grant_id}",
            TemplateError::SubjectNotWholeSegment,
        ),
        ("u/{subject}", TemplateError::MissingGrantId),
        ("uploads/{grant_id}", TemplateError::SubjectNotOnce),
        ("uploads/{grant_id}{ext}", TemplateError::SubjectNotOnce),
        (
            "{subject}/{subject}/{grant_id}",
            TemplateError::SubjectNotOnce,
        ),
        (
            "{filename}/{subject}/{grant_id}",
            TemplateError::SubjectNotInFixedPrefix,
        ),
        (
            "u/{grant_id}/{subject}/x",
            TemplateError::SubjectNotInFixedPrefix,
        ),
        (
            "u/{ext}/{subject}/{grant_id}",
            TemplateError::SubjectNotInFixedPrefix,
        ),
    ] {
        let err = KeyTemplate::parse(template).unwrap_err();
        assert_eq!(err, want, "{template}");
        assert!(err.to_string().contains("KEY_TEMPLATE"), "{err}");
    }
    for good in [
        DEFAULT_KEY_TEMPLATE,
        "{subject}/{grant_id}",
        "uploads/{subject}/{grant_id}{ext}",
        "a/{yyyy}/{mm}/{dd}/{subject}/{grant_id}-{filename}{ext}",
        "a/{subject}/{grant_id}/{filename}{ext}",
    ] {
        assert!(KeyTemplate::parse(good).is_ok(), "{good}");
    }
}

/// Every accepted template keeps the users of a set of awkward subjects apart: no user's
/// directory is a prefix of another user's key.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn no_directory_covers_another_users_key() {
    let subjects = [
        "al", "alice", "alice-x", "a", "a.b", "a|b", "ALICE", "al:ice",
    ];
    let file = FileName::parse("x.png").unwrap();
    for template in [
        DEFAULT_KEY_TEMPLATE,
        "{subject}/{grant_id}",
        "p/{yyyy}/{subject}/{grant_id}-{filename}{ext}",
    ] {
        let t = KeyTemplate::parse(template).unwrap();
        for a in subjects {
            let dir = t.directory(a, NOW);
            assert!(dir.ends_with(&format!("{a}/")), "{template}: {dir}");
            for b in subjects.iter().filter(|b| **b != a) {
                let key = t.render(&KeyValues {
                    subject: b,
                    grant_id: "g1",
                    file: Some(&file),
                    now: NOW,
                });
                assert!(!key.starts_with(&dir), "{template}: {dir} covers {key}");
                assert_eq!(t.owner_of(&key), Some(*b), "{template}: {key}");
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn listing_prefix_and_owner() {
    let t = KeyTemplate::parse(DEFAULT_KEY_TEMPLATE).unwrap();
    assert_eq!(t.listing_prefix(NOW), "uploads/20231114/");
    assert_eq!(t.listing_prefix(NOW + 86_400), "uploads/20231115/");
    assert!(t.prefix_is_daily());
    assert_eq!(t.owner_of("uploads/20231114/alice/g.png"), Some("alice"));
    assert_eq!(t.owner_of("uploads/2023111/alice/g.png"), None);
    assert_eq!(t.owner_of("uploads/2023x114/alice/g.png"), None);
    assert_eq!(t.owner_of("other/20231114/alice/g.png"), None);
    assert_eq!(t.owner_of("uploads/20231114/alice"), None);
    assert_eq!(t.owner_of("uploads/20231114//g"), None);
    let flat = KeyTemplate::parse("{subject}/{grant_id}").unwrap();
    assert_eq!(flat.listing_prefix(NOW), "");
    assert!(!flat.prefix_is_daily());
    assert_eq!(flat.owner_of("bob/g"), Some("bob"));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn disguised_names_and_foreign_extensions_are_refused() {
    for name in [
        "invoice\u{202e}gnp.exe",
        "a\u{200b}.png",
        "a\u{2066}b.png",
        "\u{feff}a.png",
        "a\u{2028}.png",
        "a\u{00ad}b.png",
        "a\u{e0041}.png",
    ] {
        assert_eq!(
            FileName::parse(name).unwrap_err(),
            FileNameError::FormatCharacter,
            "{name:?}"
        );
    }
    // Ordinary non-ASCII names stay accepted.
    assert!(FileName::parse("café photo.png").is_ok());
    assert!(FileName::parse("写真.png").is_ok());

    let png = |name: &str| FileName::parse(name).unwrap().for_content_type("image/png");
    for name in ["cat.php", "cat.exe", "cat.jpg", "cat.png.php", "cat.svg"] {
        let err = png(name).unwrap_err();
        assert_eq!(err.code(), "extension_mismatch", "{name}");
        assert!(err.to_string().contains("image/png"), "{err}");
    }
    assert_eq!(png("cat.PNG").unwrap().extension(), Some("png"));
    assert_eq!(png("cat").unwrap().extension(), Some("png"));
    let jpeg = FileName::parse("p.jpeg")
        .unwrap()
        .for_content_type("image/jpeg")
        .unwrap();
    assert_eq!(jpeg.dotted_extension(), ".jpeg");
    let derived = FileName::parse("p").unwrap().for_content_type("image/jpeg");
    assert_eq!(derived.unwrap().dotted_extension(), ".jpg");
    // A type the table does not know: no extension at all, whatever the name says.
    let unknown = FileName::parse("x.php")
        .unwrap()
        .for_content_type("application/x-thing")
        .unwrap();
    assert_eq!(unknown.extension(), None);
    // A stem never carries a second extension into {filename}{ext}.
    assert_eq!(
        FileName::parse("cat.php.png").unwrap().safe_stem(),
        "cat_php"
    );
}
