//! Upload events (DESIGN.md, schema `oss-edge.upload.v1`).
