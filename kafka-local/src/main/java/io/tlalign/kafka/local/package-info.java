/**
 * Kafka for one machine: {@link io.tlalign.kafka.local.LocalKafkaBroker}, a real KRaft broker in a
 * forked JVM, for tests, the demo and local runs.
 */
package io.tlalign.kafka.local;
