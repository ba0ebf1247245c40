pub mod styles;
pub mod replay;
pub mod audit;
pub mod review;
pub mod user;
pub mod declare;
