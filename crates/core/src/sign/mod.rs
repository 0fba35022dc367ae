//! Signing for direct uploads: PostObject policies and presigned URLs, V4 and legacy V1
//! (spec §5, §6).
