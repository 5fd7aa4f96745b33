pub mod wg_eval;
