//! Tests of the profile views on corpus files and a generated outbreak.
