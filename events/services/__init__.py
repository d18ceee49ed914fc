"""The events platform's writes, one module per concern (apps and manifests, credentials,
webhook calls and deliveries). Each public function is one state change."""
