-- What the rent limit would cost with lines aggregated per cost centre instead of one
-- line per device (docs/performance.md, "The rent limit"). Not the application's design:
-- a measurement for the billing owners' decision. Run on a generated database:
--
--   psql "$DATABASE_URL" -f bench/sql/rent_lines_per_cost_centre.sql
--
-- It times, for the benchmark's month (2025-12), in one transaction that it rolls back:
--   1. the hand-written aggregate the limit is measured against (bench.measure.rent_sql's
--      rented part: loans grouped by monthly rent and billed days);
--   2. an INSERT … SELECT of one line per (cost bearer, product, unit and its cost centre,
--      monthly rent, billed period) holding its quantity, amount and loan ids, into a
--      table with the foreign keys an invoice line has (principal standing in for the
--      invoice), then the deferred foreign-key checks;
-- and prints both totals, which must be equal. Rent only (no sales or urgent fees, no
-- cost transfers: the generated data has none).
\timing on
BEGIN;
CREATE TABLE bench_cost_centre_line (
  id bigserial PRIMARY KEY,
  principal_id bigint NOT NULL REFERENCES registry_principal (id) DEFERRABLE INITIALLY DEFERRED,
  product_id bigint NOT NULL REFERENCES catalog_product (id) DEFERRABLE INITIALLY DEFERRED,
  unit_id bigint NOT NULL REFERENCES registry_unit (id) DEFERRABLE INITIALLY DEFERRED,
  cost_centre varchar(32) NOT NULL,
  month date NOT NULL,
  period_start date NOT NULL,
  period_end date NOT NULL,
  days integer NOT NULL,
  month_days integer NOT NULL,
  unit_price numeric(14, 2) NOT NULL,
  quantity integer NOT NULL,
  amount numeric(14, 2) NOT NULL,
  loan_ids bigint[] NOT NULL
);
\echo '1. The hand-written aggregate (the limit is 2 x this):'
SELECT SUM(n * ROUND(monthly * days / 31.0, 2)) AS aggregate_total FROM (
  SELECT monthly, days, COUNT(*) AS n FROM (
    SELECT p.monthly_rent AS monthly,
           LEAST('2026-01-01'::date, COALESCE(l.rent_stops_on, l.ended_on, '2026-01-01'::date))
             - GREATEST(l.started_on, '2025-12-01'::date) AS days
    FROM logistics_loan l
    JOIN orders_order o ON o.id = l.order_id
    JOIN catalog_product p ON p.id = o.product_id
    WHERE p.billing_type = 'rent' AND p.monthly_rent IS NOT NULL
      AND l.started_on < '2026-01-01'
      AND (l.rent_stops_on > '2025-12-01'
           OR (l.rent_stops_on IS NULL AND (l.ended_on IS NULL OR l.ended_on > '2025-12-01')))
  ) spans WHERE days > 0 GROUP BY monthly, days
) groups;
\echo '2. Lines per cost centre, written, then their foreign keys checked:'
INSERT INTO bench_cost_centre_line (principal_id, product_id, unit_id, cost_centre, month,
  period_start, period_end, days, month_days, unit_price, quantity, amount, loan_ids)
SELECT bearer, product, unit, u.cost_centre, '2025-12-01', first, until - 1, until - first, 31,
       monthly, COUNT(*), COUNT(*) * ROUND(monthly * (until - first) / 31.0, 2),
       array_agg(loan ORDER BY loan)
FROM (
  SELECT l.id AS loan, l.cost_bearer_id AS bearer, o.product_id AS product, l.unit_id AS unit,
         p.monthly_rent AS monthly,
         GREATEST(l.started_on, '2025-12-01'::date) AS first,
         LEAST('2026-01-01'::date, COALESCE(l.rent_stops_on, l.ended_on, '2026-01-01'::date)) AS until
  FROM logistics_loan l
  JOIN orders_order o ON o.id = l.order_id
  JOIN catalog_product p ON p.id = o.product_id
  WHERE p.billing_type = 'rent' AND p.monthly_rent IS NOT NULL
    AND l.started_on < '2026-01-01'
    AND (l.rent_stops_on > '2025-12-01'
         OR (l.rent_stops_on IS NULL AND (l.ended_on IS NULL OR l.ended_on > '2025-12-01')))
) s
JOIN registry_unit u ON u.id = s.unit
WHERE until > first
GROUP BY bearer, product, unit, u.cost_centre, monthly, first, until;
SET CONSTRAINTS ALL IMMEDIATE;
SELECT COUNT(*) AS lines, SUM(quantity) AS loans, SUM(amount) AS lines_total
FROM bench_cost_centre_line;
ROLLBACK;
