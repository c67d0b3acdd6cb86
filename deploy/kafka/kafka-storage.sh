#!/usr/bin/env bash
KAFKA_HEAP_OPTS="${KAFKA_TOOLS_HEAP_OPTS:--Xmx128m}" exec /opt/kafka/bin/kafka-run-class.sh kafka.tools.StorageTool "$@"
