/** Test helpers: a naive RFC 9162 reference tree and in-memory tile storage. */
package dev.cairn.testing;
