// Types for parse-prometheus-text-format 1.1 (the package ships none): its output mirrors prom2json.
declare module 'parse-prometheus-text-format' {
  export interface ParsedSample {
    value?: string
    labels?: Record<string, string>
    /** Histograms: upper bound → cumulative count. */
    buckets?: Record<string, string>
    /** Summaries: quantile → value. */
    quantiles?: Record<string, string>
    count?: string
    sum?: string
  }

  export interface ParsedMetricFamily {
    name: string
    help: string
    type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED'
    metrics: ParsedSample[]
  }

  export default function parsePrometheusTextFormat(text: string): ParsedMetricFamily[]
}
