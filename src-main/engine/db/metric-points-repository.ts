import type { Database } from 'better-sqlite3';

/** One logged value of a training metric. */
export interface MetricPoint {
  runId: string;
  name: string;
  step: number;
  value: number;
  at: string;
}

export class MetricPointsRepository {
  constructor(private readonly db: Database) {}

  /** Inserts many points in one transaction; a point logged again for the same step replaces the old one. */
  insertMany(points: readonly MetricPoint[]): void {
    const stmt = this.db.prepare('INSERT OR REPLACE INTO metric_points (run_id, name, step, value, at) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const p of points) stmt.run(p.runId, p.name, p.step, p.value, p.at);
    })();
  }

  /** Points of one run, by metric name then step; optionally only steps after `afterStep`. */
  list(runId: string, options: { name?: string; afterStep?: number } = {}): MetricPoint[] {
    const rows = this.db
      .prepare(
        `SELECT run_id, name, step, value, at FROM metric_points
         WHERE run_id = @runId AND (@name IS NULL OR name = @name) AND step > @afterStep
         ORDER BY name, step`,
      )
      .all({ runId, name: options.name ?? null, afterStep: options.afterStep ?? Number.MIN_SAFE_INTEGER }) as {
      run_id: string;
      name: string;
      step: number;
      value: number;
      at: string;
    }[];
    return rows.map((r) => ({ runId: r.run_id, name: r.name, step: r.step, value: r.value, at: r.at }));
  }
}
