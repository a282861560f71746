//! placeholder: the AWS provider.
