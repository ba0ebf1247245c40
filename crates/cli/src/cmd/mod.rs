pub mod styles;
pub mod replay;
