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
    assert_eq!(t.render(&values), "uploads/alice/0f0f.png");
    assert_eq!(t.directory("alice", NOW), "uploads/alice/");

    let dated =
        KeyTemplate::parse("u/{subject}/{yyyy}/{mm}/{dd}/{grant_id}-{filename}{ext}").unwrap();
    assert_eq!(dated.render(&values), "u/alice/2023/11/14/0f0f-a.png");
    assert_eq!(dated.directory("alice", NOW), "u/alice/2023/11/14/");

    assert_eq!(
        KeyTemplate::parse("uploads/{subject}/x").unwrap_err(),
        TemplateError::MissingGrantId
    );
    assert_eq!(
        KeyTemplate::parse("{filename}/{grant_id}").unwrap_err(),
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
        KeyTemplate::parse("a/{user}/{grant_id}"),
        Err(TemplateError::UnknownPlaceholder(_))
    ));
    assert!(matches!(
        KeyTemplate::parse("a/{grant_id"),
        Err(TemplateError::UnknownPlaceholder(_))
    ));
}
