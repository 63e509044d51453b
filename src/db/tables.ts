/** The index tables as the query layer sees them (db/migrations.ts creates them). */

/** Who took part: the columns every table of calls has (migrations.ts `parties`). */
export interface PartyColumns {
  tenant: string;
  call_id: string;
  cc_id: string | null;
  agent_id: string | null;
  caller_no: string | null;
  callee_no: string | null;
  caller_digits: string | null;
  callee_digits: string | null;
}

export interface LegsTable extends PartyColumns {
  call_id_num: number;
  wait_begin: number | null;
  wait_end: number | null;
  ack_begin: number | null;
  ack_end: number | null;
  begin_ms: number | null;
  end_ms: number | null;
  device_type: string | null;
  device_no: string | null;
  call_type: string | null;
  release_cause: string | null;
  vdn_id: number | null;
  visible: number;
}

export interface RecordingsTable extends PartyColumns {
  file_name: string;
  begin_ms: number | null;
  end_ms: number | null;
  original_file_name: string;
  vdn_id: number | null;
  call_type: string | null;
  media_type: string | null;
  visible: number;
}

export interface CallsTable extends PartyColumns {
  vdn_id: number | null;
  begin_ms: number;
  end_ms: number | null;
  call_type: string | null;
  /** 1 when the call has a visible recording. */
  recordings: number;
  cdr_begin: number | null;
  cdr_end: number | null;
  rec_begin: number | null;
  rec_end: number | null;
}

export interface JobsTable {
  id: string;
  tenant: string;
  kind: string;
  batch: string | null;
  from_ms: number;
  to_ms: number;
  state: string;
  response_id: string | null;
  token_hash: string | null;
  bill_file_name: string | null;
  requested_at: number | null;
  attempts: number;
  not_before: number;
  claimed_until: number | null;
  last_error: string | null;
  rows: number;
  updated_at: number;
}

export interface TenantsTable {
  tenant: string;
  done_until: number | null;
  paused_until: number | null;
  last_error_code: string | null;
  last_error_at: number | null;
  lease_holder: string | null;
  lease_until: number | null;
}

export interface IndexTables {
  index_legs: LegsTable;
  index_recordings: RecordingsTable;
  index_calls: CallsTable;
  index_jobs: JobsTable;
  index_tenants: TenantsTable;
}
