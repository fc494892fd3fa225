/**
 * Picocli option mixins that several commands share, below both {@code io.tlalign.cli} and its
 * subcommand packages so that neither imports the other back.
 */
package io.tlalign.cli.options;
