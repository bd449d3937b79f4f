"""Cross-border exports: exchange rates, HS codes and products' trade data, producers' export
compliance, export orders (one per shop order) with their declaration, customs messages,
documents and receipt status. The customs rules themselves live in countyhub.customs."""
