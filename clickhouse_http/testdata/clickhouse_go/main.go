// Command clickhouse_go drives Tracehouse's ClickHouse HTTP endpoint with
// clickhouse-go v2 over HTTP, the way the collector's clickhouseexporter
// does (compress: none, batch inserts of Native blocks), and prints what it
// read back as JSON. Test-only: run by clickhouse_http/clickhouse_go_test.ts.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

func main() {
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run uses the table otel.spans_<compression>; compression is "none" or "gzip".
func run(addr, user, password, compression string) error {
	ctx := context.Background()
	method := clickhouse.CompressionNone
	if compression == "gzip" {
		method = clickhouse.CompressionGZIP
	}
	table := `"otel"."spans_` + compression + `"`
	conn, err := clickhouse.Open(&clickhouse.Options{
		Protocol:    clickhouse.HTTP,
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: "default", Username: user, Password: password},
		Compression: &clickhouse.Compression{Method: method},
		Settings:    clickhouse.Settings{"async_insert": "false"},
	})
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	defer conn.Close()
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	version, err := conn.ServerVersion()
	if err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	if err := conn.Exec(ctx, "CREATE DATABASE IF NOT EXISTS otel"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	ddl := `CREATE TABLE IF NOT EXISTS ` + table + ` (
		Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
		TraceId String,
		ServiceName LowCardinality(String),
		Duration UInt64,
		Attributes Map(LowCardinality(String), String),
		Events Nested (Timestamp DateTime64(9), Name LowCardinality(String)),
		Score Float64
	) ENGINE = MergeTree ORDER BY (ServiceName, Timestamp)`
	if err := conn.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	const rows = 5000
	for part := 0; part < 2; part++ {
		batch, err := conn.PrepareBatch(ctx, `INSERT INTO `+table+` (
    Timestamp,
    TraceId,
    ServiceName,
    Duration,
    Attributes,
    Events.Timestamp,
    Events.Name,
    Score
) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("prepare batch: %w", err)
		}
		base := time.Unix(1_700_000_000, 0).UTC()
		for i := 0; i < rows; i++ {
			n := part*rows + i
			ts := base.Add(time.Duration(n) * time.Microsecond)
			if err := batch.Append(
				ts,
				fmt.Sprintf("%032x", n),
				fmt.Sprintf("svc-%d", n%5),
				uint64(n)*10,
				map[string]string{"http.route": fmt.Sprintf("/r/%d", n%3), "quote'key": "va\\l\tue\n"},
				[]time.Time{ts},
				[]string{"exception"},
				float64(n)/4,
			); err != nil {
				return fmt.Errorf("append: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	var count, unique uint64
	var duration uint64
	if err := conn.QueryRow(ctx,
		`SELECT count(), uniqExact(TraceId), sum(Duration) FROM `+table,
	).Scan(&count, &unique, &duration); err != nil {
		return fmt.Errorf("count: %w", err)
	}
	var service, route string
	var ts time.Time
	var events []string
	if err := conn.QueryRow(ctx,
		`SELECT ServiceName, Attributes['http.route'], Timestamp, Events.Name FROM `+table+` WHERE TraceId = ?`,
		fmt.Sprintf("%032x", 7),
	).Scan(&service, &route, &ts, &events); err != nil {
		return fmt.Errorf("point query: %w", err)
	}
	var columns []string
	described, err := conn.Query(ctx, `DESCRIBE TABLE `+table)
	if err != nil {
		return fmt.Errorf("describe: %w", err)
	}
	for described.Next() {
		var name, typ, a, b, c, d, e string
		if err := described.Scan(&name, &typ, &a, &b, &c, &d, &e); err != nil {
			return fmt.Errorf("describe scan: %w", err)
		}
		columns = append(columns, name+" "+typ)
	}
	if err := described.Err(); err != nil {
		return fmt.Errorf("describe rows: %w", err)
	}
	badErr := conn.Exec(ctx, "SELEC 1")
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"version":   version.Version.String(),
		"count":     count,
		"unique":    unique,
		"duration":  duration,
		"service":   service,
		"route":     route,
		"timestamp": ts.UnixNano(),
		"events":    events,
		"columns":   columns,
		"badQuery":  fmt.Sprint(badErr),
	})
}
